package kouan.contract_test

import data.kouan.contract

# A research lab in Germany asks to use a dataset whose offer drops identifying fields and requires deletion.
base := {
	"now": "2025-06-01T08:00:00Z",
	"consumer": {"id": "lab-eu", "country": "DE"},
	"request": {"purpose": "research", "obligations_accepted": ["drop_fields", "delete_after"]},
	"policy": {
		"permissions": [{
			"action": "use",
			"constraints": [],
			"duties": [{"action": "drop_fields", "fields": ["name", "id_number"]}],
		}],
		"obligations": [{"action": "delete_after", "duration": "P30D"}],
	},
	"usage": {"requests": 0, "records": 0, "subjects": 0},
}

# Tests evaluate the decision in their own bodies: a function using `with` breaks the wasm build of this
# directory (OPA reports it "used as reference, not called"), and opa build includes the tests.
codes(decision) := {reason.code | some reason in decision.reasons}

constraint(left, operator, right) := {"leftOperand": left, "operator": operator, "rightOperand": right}

# The base request under one use permission with the given constraints (and no duties).
under(constraints) := object.union(base, {"policy": {"permissions": [{"action": "use", "constraints": constraints}]}})

under_policy(policy) := object.union(base, {"policy": policy})

in_us := {"consumer": {"country": "US"}}

unmet_message := "the request does not meet the permission constraint "

allowed(decision) if {
	decision.allow == true
	decision.reasons == []
}

test_allows_a_request_the_policy_permits if {
	decision := contract.decision with input as base
	decision.allow == true
	decision.reasons == []
	decision.warnings == []
	decision.obligations == [{"type": "drop_fields", "fields": ["id_number", "name"]}]
}

test_a_refusal_explains_itself_and_sets_no_obligations if {
	decision := contract.decision with input as under([constraint("purpose", "eq", "marketing")])
	decision.allow == false
	decision.obligations == []
	count(decision.reasons) > 0
	every reason in decision.reasons {
		is_string(reason.code)
		is_string(reason.message)
		is_string(reason.basis)
	}
}

# purpose

test_purpose_eq_allows_the_named_purpose if {
	decision := contract.decision with input as under([constraint("purpose", "eq", "research")])
	allowed(decision)
}

test_purpose_eq_refuses_another_purpose if {
	decision := contract.decision with input as under([constraint("purpose", "eq", "marketing")])
	codes(decision) == {"CONTRACT_PURPOSE_NOT_ALLOWED"}
}

test_purpose_is_any_of_allows_a_listed_purpose if {
	decision := contract.decision with input as under([constraint("purpose", "isAnyOf", ["safety", "research"])])
	allowed(decision)
}

test_purpose_is_any_of_refuses_an_unlisted_purpose if {
	decision := contract.decision with input as under([constraint("purpose", "isAnyOf", ["safety", "marketing"])])
	codes(decision) == {"CONTRACT_PURPOSE_NOT_ALLOWED"}
}

test_purpose_constraint_refuses_a_request_without_purpose if {
	request := json.remove(under([constraint("purpose", "eq", "research")]), ["request/purpose"])
	decision := contract.decision with input as request
	codes(decision) == {"CONTRACT_PURPOSE_NOT_ALLOWED"}
	decision.reasons[0].message == concat("", [unmet_message, "purpose eq research (no purpose given)"])
	decision.reasons[0].basis == "agreement constraint purpose"
}

test_a_request_without_request_part_accepts_no_duty if {
	decision := contract.decision with input as object.remove(base, ["request"])
	codes(decision) == {"CONTRACT_DUTY_NOT_ACCEPTED"}
	count(decision.reasons) == 2
}

# recipient: the consumer's attested participant id

test_recipient_eq_allows_the_named_participant if {
	decision := contract.decision with input as under([constraint("recipient", "eq", "lab-eu")])
	allowed(decision)
}

test_recipient_eq_refuses_another_participant if {
	decision := contract.decision with input as under([constraint("recipient", "eq", "lab-us")])
	codes(decision) == {"CONTRACT_RECIPIENT_NOT_ALLOWED"}
}

test_recipient_is_any_of_allows_a_listed_participant if {
	decision := contract.decision with input as under([constraint("recipient", "isAnyOf", ["lab-us", "lab-eu"])])
	allowed(decision)
}

test_recipient_is_any_of_refuses_an_unlisted_participant if {
	decision := contract.decision with input as under([constraint("recipient", "isAnyOf", ["lab-us"])])
	codes(decision) == {"CONTRACT_RECIPIENT_NOT_ALLOWED"}
}

test_recipient_is_none_of_allows_an_unlisted_participant if {
	decision := contract.decision with input as under([constraint("recipient", "isNoneOf", ["lab-us"])])
	allowed(decision)
}

test_recipient_is_none_of_refuses_a_listed_participant if {
	decision := contract.decision with input as under([constraint("recipient", "isNoneOf", ["lab-us", "lab-eu"])])
	codes(decision) == {"CONTRACT_RECIPIENT_NOT_ALLOWED"}
}

# destinationCountry: the consumer's attested country, with country groups from data.country_groups

test_destination_eq_allows_the_named_country if {
	decision := contract.decision with input as under([constraint("destinationCountry", "eq", "DE")])
	allowed(decision)
}

test_destination_eq_refuses_another_country if {
	decision := contract.decision with input as under([constraint("destinationCountry", "eq", "FR")])
	codes(decision) == {"CONTRACT_DESTINATION_NOT_ALLOWED"}
}

test_destination_is_any_of_allows_a_listed_country if {
	decision := contract.decision with input as under([constraint("destinationCountry", "isAnyOf", ["FR", "DE"])])
	allowed(decision)
}

test_destination_is_any_of_refuses_an_unlisted_country if {
	decision := contract.decision with input as under([constraint("destinationCountry", "isAnyOf", ["FR", "SG"])])
	codes(decision) == {"CONTRACT_DESTINATION_NOT_ALLOWED"}
}

test_destination_is_none_of_allows_an_unlisted_country if {
	decision := contract.decision with input as under([constraint("destinationCountry", "isNoneOf", ["US"])])
	allowed(decision)
}

test_destination_is_none_of_refuses_a_listed_country if {
	decision := contract.decision with input as under([constraint("destinationCountry", "isNoneOf", ["US", "DE"])])
	codes(decision) == {"CONTRACT_DESTINATION_NOT_ALLOWED"}
}

test_destination_group_allows_a_member if {
	decision := contract.decision with input as under([constraint("destinationCountry", "isAnyOf", ["group:EU"])])
	allowed(decision)
}

test_destination_group_refuses_a_non_member if {
	request := object.union(under([constraint("destinationCountry", "isAnyOf", ["group:EU", "SG"])]), in_us)
	decision := contract.decision with input as request
	codes(decision) == {"CONTRACT_DESTINATION_NOT_ALLOWED"}
}

test_destination_eq_group_allows_a_member if {
	decision := contract.decision with input as under([constraint("destinationCountry", "eq", "group:EEA")])
	allowed(decision)
}

test_destination_is_none_of_group_refuses_a_member if {
	decision := contract.decision with input as under([constraint("destinationCountry", "isNoneOf", ["group:EU"])])
	codes(decision) == {"CONTRACT_DESTINATION_NOT_ALLOWED"}
}

test_destination_is_none_of_group_allows_a_non_member if {
	request := object.union(under([constraint("destinationCountry", "isNoneOf", ["group:EU"])]), in_us)
	decision := contract.decision with input as request
	allowed(decision)
}

test_destination_unknown_group_is_refused_not_ignored if {
	decision := contract.decision with input as under([constraint("destinationCountry", "isNoneOf", ["group:NOWHERE"])])
	codes(decision) == {"CONTRACT_UNKNOWN_COUNTRY_GROUP"}
}

test_destination_iso_code_is_accepted if {
	decision := contract.decision with input as under([constraint("destinationCountry", "isAnyOf", ["DE", "HK"])])
	allowed(decision)
}

test_destination_unknown_country_codes_are_refused_by_name if {
	decision := contract.decision with input as under([constraint("destinationCountry", "isNoneOf", ["XX", "UK", "EU", "US"])])
	codes(decision) == {"CONTRACT_INVALID_CONSTRAINT"}
	{reason.message | some reason in decision.reasons} == {
		"destinationCountry names XX, not an ISO 3166-1 alpha-2 country code",
		"destinationCountry names UK, not an ISO 3166-1 alpha-2 country code",
		"destinationCountry names EU, not an ISO 3166-1 alpha-2 country code",
	}
}

test_destination_unknown_country_code_under_eq_is_refused if {
	decision := contract.decision with input as under([constraint("destinationCountry", "eq", "XX")])
	"CONTRACT_INVALID_CONSTRAINT" in codes(decision)
	decision.allow == false
}

test_destination_unknown_country_code_in_a_prohibition_is_refused if {
	policy := {"permissions": [{"action": "use"}], "prohibitions": [{"action": "use", "constraints": [constraint("destinationCountry", "isAnyOf", ["UK"])]}]}
	decision := contract.decision with input as under_policy(policy)
	codes(decision) == {"CONTRACT_INVALID_CONSTRAINT"}
}

# dateTime: now (2025-06-01T08:00:00Z) against the right operand

test_date_time_gt_refuses_the_same_instant if {
	decision := contract.decision with input as under([constraint("dateTime", "gt", "2025-06-01T08:00:00Z")])
	codes(decision) == {"CONTRACT_OUTSIDE_VALIDITY"}
}

test_date_time_gt_allows_a_later_now if {
	decision := contract.decision with input as under([constraint("dateTime", "gt", "2025-06-01T07:59:59.999Z")])
	allowed(decision)
}

test_date_time_gteq_allows_the_same_instant if {
	decision := contract.decision with input as under([constraint("dateTime", "gteq", "2025-06-01T08:00:00Z")])
	allowed(decision)
}

test_date_time_gteq_refuses_an_earlier_now if {
	decision := contract.decision with input as under([constraint("dateTime", "gteq", "2025-06-01T08:00:01Z")])
	codes(decision) == {"CONTRACT_OUTSIDE_VALIDITY"}
}

test_date_time_lt_refuses_the_same_instant if {
	decision := contract.decision with input as under([constraint("dateTime", "lt", "2025-06-01T16:00:00+08:00")])
	codes(decision) == {"CONTRACT_OUTSIDE_VALIDITY"}
}

test_date_time_lt_allows_an_earlier_now if {
	request := under([constraint("dateTime", "lt", "2025-06-01T16:00:00.000000001+08:00")])
	decision := contract.decision with input as request
	allowed(decision)
}

test_date_time_lteq_allows_the_same_instant if {
	decision := contract.decision with input as under([constraint("dateTime", "lteq", "2025-06-01T03:00:00-05:00")])
	allowed(decision)
}

test_date_time_lteq_refuses_a_later_now if {
	request := under([constraint("dateTime", "lteq", "2025-06-01T07:59:59Z")])
	decision := contract.decision with input as request
	codes(decision) == {"CONTRACT_OUTSIDE_VALIDITY"}
	some reason in decision.reasons
	reason.message == concat("", [unmet_message, "dateTime lteq 2025-06-01T07:59:59Z (now is 2025-06-01T08:00:00Z)"])
}

test_date_time_window_allows_inside if {
	decision := contract.decision with input as under([
		constraint("dateTime", "gteq", "2025-01-01T00:00:00Z"),
		constraint("dateTime", "lt", "2026-01-01T00:00:00Z"),
	])
	allowed(decision)
}

# volume limits: the count so far must be below the limit, this request being the next one

test_max_requests_allows_the_last_request if {
	request := object.union(under([constraint("maxRequests", "lteq", 10)]), {"usage": {"requests": 9}})
	decision := contract.decision with input as request
	allowed(decision)
}

test_max_requests_refuses_once_exactly_reached if {
	request := object.union(under([constraint("maxRequests", "lteq", 10)]), {"usage": {"requests": 10}})
	decision := contract.decision with input as request
	codes(decision) == {"CONTRACT_MAX_REQUESTS_REACHED"}
	some reason in decision.reasons
	reason.message == "the request does not meet the permission constraint maxRequests lteq 10 (requests so far: 10)"
}

test_max_requests_of_zero_refuses_at_negotiation if {
	decision := contract.decision with input as under([constraint("maxRequests", "lteq", 0)])
	codes(decision) == {"CONTRACT_MAX_REQUESTS_REACHED"}
}

test_max_records_allows_with_the_remaining_records_as_obligation if {
	request := object.union(under([constraint("maxRecords", "lteq", 1000)]), {"usage": {"records": 999}})
	decision := contract.decision with input as request
	decision.allow == true
	decision.obligations == [{"type": "max_records", "records": 1}]
}

test_max_records_refuses_once_reached if {
	request := object.union(under([constraint("maxRecords", "lteq", 1000)]), {"usage": {"records": 1000}})
	decision := contract.decision with input as request
	codes(decision) == {"CONTRACT_MAX_RECORDS_REACHED"}
}

test_max_data_subjects_allows_with_the_remaining_subjects_as_obligation if {
	request := object.union(under([constraint("maxDataSubjects", "lteq", 50)]), {"usage": {"subjects": 49}})
	decision := contract.decision with input as request
	decision.allow == true
	decision.obligations == [{"type": "max_data_subjects", "subjects": 1}]
}

test_max_data_subjects_refuses_once_reached if {
	request := object.union(under([constraint("maxDataSubjects", "lteq", 50)]), {"usage": {"subjects": 50}})
	decision := contract.decision with input as request
	codes(decision) == {"CONTRACT_MAX_SUBJECTS_REACHED"}
}

test_the_tightest_volume_limit_applies if {
	request := object.union(
		under([constraint("maxRecords", "lteq", 1000), constraint("maxRecords", "lteq", 500)]),
		{"usage": {"records": 100}},
	)
	decision := contract.decision with input as request
	decision.obligations == [{"type": "max_records", "records": 400}]
}

# unknown terms are refused, never ignored

test_unknown_left_operand_is_refused if {
	decision := contract.decision with input as under([constraint("spatial", "eq", "Berlin")])
	codes(decision) == {"CONTRACT_UNKNOWN_CONSTRAINT"}
}

test_logical_constraint_is_refused if {
	request := under([{"and": [constraint("purpose", "eq", "research")]}])
	decision := contract.decision with input as request
	codes(decision) == {"CONTRACT_UNKNOWN_CONSTRAINT", "CONTRACT_UNKNOWN_TERM"}
}

test_unknown_operator_is_refused if {
	decision := contract.decision with input as under([constraint("purpose", "neq", "marketing")])
	codes(decision) == {"CONTRACT_UNKNOWN_OPERATOR"}
}

test_operator_the_operand_does_not_take_is_refused if {
	every bad in [
		constraint("purpose", "isNoneOf", ["marketing"]),
		constraint("maxRequests", "lt", 10),
		{"leftOperand": "purpose", "rightOperand": "research"},
	] {
		decision := contract.decision with input as under([bad])
		codes(decision) == {"CONTRACT_UNKNOWN_OPERATOR"}
	}
}

test_constraint_that_is_not_an_object_is_refused if {
	decision := contract.decision with input as under(["purpose"])
	codes(decision) == {"CONTRACT_UNKNOWN_CONSTRAINT"}
}

test_rule_without_action_is_refused if {
	request := under_policy({"permissions": array.concat(base.policy.permissions, ["use"])})
	decision := contract.decision with input as request
	codes(decision) == {"CONTRACT_UNKNOWN_ACTION"}
	decision.reasons[0].message == "unsupported action \"use\""
	decision2 := contract.decision with input as under_policy({"prohibitions": [{"constraints": []}]})
	codes(decision2) == {"CONTRACT_UNKNOWN_ACTION"}
	decision3 := contract.decision with input as under_policy({"obligations": [{"fields": ["name"]}]})
	codes(decision3) == {"CONTRACT_UNKNOWN_ACTION"}
}

test_unknown_operand_in_a_prohibition_is_refused if {
	request := under_policy({"prohibitions": [{"action": "use", "constraints": [constraint("industry", "eq", "ads")]}]})
	decision := contract.decision with input as request
	codes(decision) == {"CONTRACT_UNKNOWN_CONSTRAINT"}
}

test_malformed_right_operand_is_refused if {
	every bad in [
		constraint("purpose", "isAnyOf", "research"),
		constraint("purpose", "isAnyOf", []),
		constraint("recipient", "isNoneOf", [1]),
		constraint("purpose", "eq", ["research"]),
		constraint("dateTime", "lt", "2025-13-01T00:00:00Z"),
		constraint("dateTime", "lt", "2026-01-01"),
		constraint("maxRequests", "lteq", -1),
		constraint("maxRequests", "lteq", 2.5),
		constraint("maxRecords", "lteq", "10"),
	] {
		decision := contract.decision with input as under([bad])
		codes(decision) == {"CONTRACT_INVALID_CONSTRAINT"}
	}
}

test_unknown_permission_action_is_refused if {
	decision := contract.decision with input as under_policy({"permissions": [{"action": "distribute"}]})
	codes(decision) == {"CONTRACT_UNKNOWN_ACTION", "CONTRACT_NO_PERMISSION"}
}

test_unknown_action_beside_a_use_permission_is_refused if {
	request := under_policy({"permissions": array.concat(base.policy.permissions, [{"action": "sell"}])})
	decision := contract.decision with input as request
	codes(decision) == {"CONTRACT_UNKNOWN_ACTION"}
}

test_unknown_prohibition_action_is_refused if {
	decision := contract.decision with input as under_policy({"prohibitions": [{"action": "distribute"}]})
	codes(decision) == {"CONTRACT_UNKNOWN_ACTION"}
}

test_unknown_duty_action_is_refused if {
	decision := contract.decision with input as under_policy({"obligations": [{"action": "pay", "amount": 10}]})
	codes(decision) == {"CONTRACT_UNKNOWN_ACTION"}
	request := under_policy({"permissions": [{"action": "use", "duties": [{"action": "attribute"}]}]})
	decision2 := contract.decision with input as request
	codes(decision2) == {"CONTRACT_UNKNOWN_ACTION"}
}

test_unknown_keys_are_refused if {
	every request in [
		under_policy({"profile": "https://example.org/profile"}),
		under_policy({"permissions": [{"action": "use", "target": "dataset-1"}]}),
		under_policy({"prohibitions": [{
			"action": "use",
			"assignee": "x",
			"constraints": [constraint("purpose", "eq", "ads")],
		}]}),
		under([object.union(constraint("maxRecords", "lteq", 10), {"unit": "rows"})]),
		under_policy({"obligations": [{"action": "delete_after", "duration": "P30D", "when": "x"}]}),
	] {
		decision := contract.decision with input as request
		codes(decision) == {"CONTRACT_UNKNOWN_TERM"}
	}
}

test_malformed_duties_are_refused if {
	every bad in [
		{"action": "drop_fields", "fields": []},
		{"action": "mask_fields", "fields": "phone"},
		{"action": "pseudonymise_fields", "fields": [1]},
		{"action": "drop_fields"},
		{"action": "delete_after", "duration": "30 days"},
		{"action": "delete_after", "duration": "P"},
		{"action": "delete_after", "duration": "P1DT"},
		{"action": "delete_after"},
		{"action": "notify", "target": 5},
	] {
		accepted := {"obligations_accepted": ["drop_fields", bad.action]}
		request := object.union(under_policy({"obligations": [bad]}), {"request": accepted})
		decision := contract.decision with input as request
		codes(decision) == {"CONTRACT_INVALID_DUTY"}
	}
}

test_well_formed_duties_are_accepted if {
	every good in [
		{"action": "delete_after", "duration": "P1Y6M"},
		{"action": "delete_after", "duration": "PT12H"},
		{"action": "notify"},
		{"action": "notify", "target": "hospital-sh"},
	] {
		accepted := {"obligations_accepted": ["drop_fields", good.action]}
		decision := contract.decision with input as object.union(under_policy({"obligations": [good]}), {"request": accepted})
		allowed(decision)
	}
}

test_a_policy_without_permission_is_refused if {
	decision := contract.decision with input as under_policy({"permissions": []})
	codes(decision) == {"CONTRACT_NO_PERMISSION"}
}

# prohibitions

test_prohibition_refuses_when_its_constraints_hold if {
	policy := {"prohibitions": [{"action": "use", "constraints": [constraint("destinationCountry", "isAnyOf", ["US"])]}]}
	request := object.union(under_policy(policy), {"consumer": {"country": "US"}})
	decision := contract.decision with input as request
	codes(decision) == {"CONTRACT_PROHIBITED"}
	some reason in decision.reasons
	reason.message == "the policy prohibits this use when destinationCountry isAnyOf US"
	reason.basis == "agreement prohibition"
}

test_prohibition_allows_when_a_constraint_fails if {
	prohibition := {"action": "use", "constraints": [constraint("destinationCountry", "isAnyOf", ["US"])]}
	decision := contract.decision with input as under_policy({"prohibitions": [prohibition]})
	allowed(decision)
}

test_prohibition_without_constraints_always_refuses if {
	request := under_policy({"prohibitions": [{"action": "use"}]})
	decision := contract.decision with input as request
	codes(decision) == {"CONTRACT_PROHIBITED"}
	decision.reasons[0].message == "the policy prohibits this use"
}

# duties: the consumer must have accepted each required duty

test_unaccepted_permission_duty_is_refused if {
	decision := contract.decision with input as object.union(base, {"request": {"obligations_accepted": ["delete_after"]}})
	codes(decision) == {"CONTRACT_DUTY_NOT_ACCEPTED"}
}

test_unaccepted_policy_obligation_is_refused if {
	request := object.union(base, {"request": {"obligations_accepted": ["drop_fields"]}})
	decision := contract.decision with input as request
	codes(decision) == {"CONTRACT_DUTY_NOT_ACCEPTED"}
	decision.reasons[0].basis == "agreement duty delete_after"
}

test_each_unaccepted_duty_is_a_reason if {
	decision := contract.decision with input as object.union(base, {"request": {"obligations_accepted": []}})
	count(decision.reasons) == 2
}

test_duties_of_a_permission_not_granted_are_not_required if {
	policy := {"permissions": [
		{"action": "use", "constraints": [constraint("purpose", "eq", "marketing")], "duties": [{"action": "notify"}]},
		{"action": "use", "constraints": [constraint("purpose", "eq", "research")]},
	]}
	decision := contract.decision with input as under_policy(policy)
	allowed(decision)
}

test_when_no_permission_is_granted_every_failed_constraint_is_a_reason if {
	policy := {"permissions": [
		{"action": "use", "constraints": [constraint("purpose", "eq", "marketing")]},
		{"action": "use", "constraints": [constraint("destinationCountry", "eq", "US")]},
	]}
	decision := contract.decision with input as under_policy(policy)
	codes(decision) == {"CONTRACT_PURPOSE_NOT_ALLOWED", "CONTRACT_DESTINATION_NOT_ALLOWED"}
}

test_field_duties_become_merged_obligations_in_a_fixed_order if {
	policy := {
		"permissions": [{"action": "use", "duties": [
			{"action": "pseudonymise_fields", "fields": ["patient_id"]},
			{"action": "drop_fields", "fields": ["name"]},
		]}],
		"obligations": [
			{"action": "mask_fields", "fields": ["phone"]},
			{"action": "drop_fields", "fields": ["id_number", "name"]},
			{"action": "notify", "target": "hospital-sh"},
		],
	}
	accepted := {"obligations_accepted": ["drop_fields", "mask_fields", "pseudonymise_fields", "notify"]}
	decision := contract.decision with input as object.union(under_policy(policy), {"request": accepted})
	decision.obligations == [
		{"type": "drop_fields", "fields": ["id_number", "name"]},
		{"type": "mask_fields", "fields": ["phone"]},
		{"type": "pseudonymise_fields", "fields": ["patient_id"]},
	]
}

# malformed input fails closed

test_malformed_now_is_refused if {
	decision := contract.decision with input as object.union(base, {"now": "1 June 2025"})
	codes(decision) == {"CONTRACT_INPUT_INVALID"}
	decision2 := contract.decision with input as object.remove(base, ["now"])
	codes(decision2) == {"CONTRACT_INPUT_INVALID"}
}

test_missing_usage_is_refused if {
	request := object.remove(base, ["usage"])
	decision := contract.decision with input as request
	codes(decision) == {"CONTRACT_INPUT_INVALID"}
	count(decision.reasons) == 3
}

test_missing_consumer_identity_is_refused if {
	decision := contract.decision with input as object.union(base, {"consumer": {"country": 49}})
	codes(decision) == {"CONTRACT_INPUT_INVALID"}
	decision2 := contract.decision with input as object.remove(base, ["consumer"])
	codes(decision2) == {"CONTRACT_INPUT_INVALID"}
}

test_malformed_policy_is_refused if {
	decision := contract.decision with input as object.union(base, {"policy": "use freely"})
	codes(decision) == {"CONTRACT_INPUT_INVALID", "CONTRACT_NO_PERMISSION"}
	decision2 := contract.decision with input as under_policy({"permissions": {"action": "use"}})
	codes(decision2) == {"CONTRACT_INPUT_INVALID", "CONTRACT_UNKNOWN_ACTION", "CONTRACT_NO_PERMISSION"}
}

test_constraints_that_are_not_a_list_grant_nothing_and_are_refused_with_a_reason if {
	request := object.union(object.remove(base, ["policy"]), {"request": {"obligations_accepted": []}})
	decision := contract.decision with input as object.union(request, {"policy": {"permissions": [{"action": "use", "constraints": "maxRequests lteq 10"}]}})
	decision.allow == false
	decision.reasons == [{"code": "CONTRACT_INPUT_INVALID", "message": "permission.constraints is not an array", "basis": "kouan.contract input schema"}]
	decision2 := contract.decision with input as object.union(request, {"policy": {"permissions": [{"action": "use", "duties": {"action": "notify"}}]}})
	"CONTRACT_INPUT_INVALID" in codes(decision2)
}

test_a_prohibition_whose_constraints_are_not_a_list_does_not_apply_and_is_refused_with_a_reason if {
	request := object.union(object.remove(base, ["policy"]), {"request": {"obligations_accepted": []}})
	policy := {"permissions": [{"action": "use"}], "prohibitions": [{"action": "use", "constraints": null}]}
	decision := contract.decision with input as object.union(request, {"policy": policy})
	decision.reasons == [{"code": "CONTRACT_INPUT_INVALID", "message": "prohibition.constraints is not an array", "basis": "kouan.contract input schema"}]
}
