package kouan.gateway_test

import data.kouan.gateway

# A German lab pulls records of a Shanghai hospital's trial under a standard-contract agreement.
# now is 2025-06-01T08:00:00Z = 1748764800 epoch seconds; the token lives five more minutes.
base := {
	"now": "2025-06-01T08:00:00Z",
	"peer": {"participant_id": "lab-eu", "country": "DE"},
	"token": {"sub": "lab-eu", "aud": "hospital-sh", "exp": 1748765100, "transfer_id": "tp-1", "agreement_id": "ag-1"},
	"agreement": {
		"id": "ag-1",
		"state": "FINALIZED",
		"provider": "hospital-sh",
		"consumer": "lab-eu",
		"start": "2025-01-01T00:00:00Z",
		"end": "2026-01-01T00:00:00Z",
		"export_path": "standard_contract_or_certification",
		"purpose": "research",
		"obligations_accepted": ["drop_fields"],
		"policy": {"permissions": [{
			"action": "use",
			"constraints": [
				{"leftOperand": "purpose", "operator": "eq", "rightOperand": "research"},
				{"leftOperand": "destinationCountry", "operator": "isAnyOf", "rightOperand": ["group:EU"]},
				{"leftOperand": "maxRequests", "operator": "lteq", "rightOperand": 100},
				{"leftOperand": "maxRecords", "operator": "lteq", "rightOperand": 5000},
			],
			"duties": [{"action": "drop_fields", "fields": ["name"]}],
		}]},
	},
	"transfer": {"id": "tp-1", "agreement_id": "ag-1", "state": "STARTED"},
	"usage": {"requests": 10, "records": 1000, "subjects": 200},
	"exporter": {"id": "hospital-sh", "ciio": false},
	"cumulative": {"subjects": 150000, "sensitive_subjects": 2000},
	"asset": {"pi": true, "sensitive": true},
}

# Tests evaluate the decision in their own bodies: a function using `with` breaks the wasm build of this
# directory (OPA reports it "used as reference, not called"), and opa build includes the tests.
codes(decision) := {reason.code | some reason in decision.reasons}

patched(patch) := object.union(base, patch)

without(path) := json.remove(base, [path])

# The base request at another time, with a token valid until 2100.
at(now) := patched({"now": now, "token": {"exp": 4102444800}})

on_path(path, subjects, sensitive_subjects) := patched({
	"agreement": {"export_path": path},
	"cumulative": {"subjects": subjects, "sensitive_subjects": sensitive_subjects},
})

non_sensitive := {"asset": {"pi": true, "sensitive": false}}

no_pi := {"asset": {"pi": false, "sensitive": false}}

allowed(decision) if {
	decision.allow == true
	decision.reasons == []
}

max_subjects(decision) := [o | some o in decision.obligations; o.type == "max_subjects"]

warning_codes(decision) := {w.code | some w in decision.warnings}

test_allows_a_request_within_the_agreement_with_its_obligations if {
	decision := gateway.decision with input as base
	decision.allow == true
	decision.reasons == []
	decision.warnings == []
	decision.obligations == [
		{"type": "drop_fields", "fields": ["name"]},
		{"type": "max_records", "records": 4000},
		{"type": "max_subjects", "subjects": 849999, "sensitive_subjects": 7999},
	]
}

test_a_refusal_explains_itself_and_sets_no_obligations if {
	decision := gateway.decision with input as patched({"transfer": {"state": "SUSPENDED"}})
	decision.allow == false
	decision.obligations == []
	count(decision.reasons) > 0
	every reason in decision.reasons {
		is_string(reason.code)
		is_string(reason.message)
		is_string(reason.basis)
	}
}

test_an_empty_request_is_refused if {
	decision := gateway.decision with input as {}
	decision.allow == false
	codes(decision) == {
		"CONTRACT_INPUT_INVALID", "CONTRACT_NO_PERMISSION", "GATEWAY_INPUT_INVALID",
		"GATEWAY_AGREEMENT_NOT_ACTIVE", "GATEWAY_TRANSFER_NOT_ACTIVE", "GATEWAY_TRANSFER_AGREEMENT_MISMATCH",
		"GATEWAY_TOKEN_TRANSFER_MISMATCH", "GATEWAY_TOKEN_SUBJECT_MISMATCH", "GATEWAY_PEER_NOT_CONSUMER",
		"GATEWAY_TOKEN_AUDIENCE_MISMATCH",
	}
}

# the agreement

test_agreement_not_finalized_is_refused if {
	decision := gateway.decision with input as patched({"agreement": {"state": "TERMINATED"}})
	codes(decision) == {"GATEWAY_AGREEMENT_NOT_ACTIVE"}
	decision2 := gateway.decision with input as patched({"agreement": {"state": "VERIFIED"}})
	codes(decision2) == {"GATEWAY_AGREEMENT_NOT_ACTIVE"}
	decision3 := gateway.decision with input as without("agreement/state")
	codes(decision3) == {"GATEWAY_AGREEMENT_NOT_ACTIVE"}
}

test_before_the_agreement_starts_is_refused if {
	decision := gateway.decision with input as at("2024-12-31T23:59:59.999Z")
	codes(decision) == {"GATEWAY_AGREEMENT_NOT_STARTED"}
}

test_the_agreement_start_is_allowed if {
	decision := gateway.decision with input as at("2025-01-01T00:00:00Z")
	allowed(decision)
}

test_the_agreement_end_is_refused if {
	request := at("2026-01-01T00:00:00Z")
	decision := gateway.decision with input as request
	codes(decision) == {"GATEWAY_AGREEMENT_EXPIRED"}
	decision.reasons[0].basis == "agreement end"
}

test_the_last_instant_before_the_end_is_allowed if {
	decision := gateway.decision with input as at("2026-01-01T07:59:59.999999999+08:00")
	allowed(decision)
}

# the transfer

test_suspended_transfer_is_refused if {
	decision := gateway.decision with input as patched({"transfer": {"state": "SUSPENDED"}})
	codes(decision) == {"GATEWAY_TRANSFER_SUSPENDED"}
}

test_transfer_not_started_is_refused if {
	every state in ["REQUESTED", "COMPLETED", "TERMINATED", "STARTING"] {
		decision := gateway.decision with input as patched({"transfer": {"state": state}})
		codes(decision) == {"GATEWAY_TRANSFER_NOT_ACTIVE"}
	}
	decision2 := gateway.decision with input as without("transfer/state")
	codes(decision2) == {"GATEWAY_TRANSFER_NOT_ACTIVE"}
}

test_transfer_of_another_agreement_is_refused if {
	decision := gateway.decision with input as patched({"transfer": {"agreement_id": "ag-2"}})
	codes(decision) == {"GATEWAY_TRANSFER_AGREEMENT_MISMATCH"}
}

# the token, the peer and the parties

test_token_for_another_transfer_is_refused if {
	decision := gateway.decision with input as patched({"token": {"transfer_id": "tp-2"}})
	codes(decision) == {"GATEWAY_TOKEN_TRANSFER_MISMATCH"}
	decision2 := gateway.decision with input as patched({"token": {"agreement_id": "ag-2"}})
	codes(decision2) == {"GATEWAY_TOKEN_TRANSFER_MISMATCH"}
}

test_token_of_another_participant_is_refused if {
	decision := gateway.decision with input as patched({"token": {"sub": "lab-us"}})
	codes(decision) == {"GATEWAY_TOKEN_SUBJECT_MISMATCH"}
}

test_peer_that_is_not_the_consumer_is_refused if {
	decision := gateway.decision with input as patched({"peer": {"participant_id": "lab-fr"}, "token": {"sub": "lab-fr"}})
	codes(decision) == {"GATEWAY_PEER_NOT_CONSUMER"}
}

test_token_for_another_audience_is_refused if {
	decision := gateway.decision with input as patched({"token": {"aud": "hospital-bj"}})
	codes(decision) == {"GATEWAY_TOKEN_AUDIENCE_MISMATCH"}
	decision2 := gateway.decision with input as patched({"token": {"aud": ["hospital-bj"]}})
	codes(decision2) == {"GATEWAY_TOKEN_AUDIENCE_MISMATCH"}
}

test_token_audience_may_be_a_list_with_the_provider if {
	decision := gateway.decision with input as patched({"token": {"aud": ["hospital-bj", "hospital-sh"]}})
	allowed(decision)
}

test_token_at_its_expiry_is_refused if {
	decision := gateway.decision with input as patched({"token": {"exp": 1748764800}})
	codes(decision) == {"GATEWAY_TOKEN_EXPIRED"}
}

test_token_a_second_before_its_expiry_is_allowed if {
	decision := gateway.decision with input as patched({"token": {"exp": 1748764801}})
	allowed(decision)
}

test_token_expiry_in_fractional_seconds_counts_whole_seconds if {
	# exp 08:00:00.5: at 08:00:00.9 the whole seconds are 08:00:00, before it; at 08:00:01 it has expired
	allowed_decision := gateway.decision with input as patched({"now": "2025-06-01T08:00:00.9Z", "token": {"exp": 1748764800.5}})
	allowed(allowed_decision)
	refused := gateway.decision with input as patched({"now": "2025-06-01T08:00:01Z", "token": {"exp": 1748764800.5}})
	codes(refused) == {"GATEWAY_TOKEN_EXPIRED"}
}

test_token_expiry_out_of_the_calendar_range_is_still_compared if {
	# exp before 1970 or after 9999 has no instant form: the seconds are compared
	refused := gateway.decision with input as patched({"token": {"exp": -1}})
	codes(refused) == {"GATEWAY_TOKEN_EXPIRED"}
	later := gateway.decision with input as patched({"token": {"exp": 1000000000000}})
	allowed(later)
}

# the export path and the exporter's cumulative data subjects

test_forbidden_export_path_is_refused if {
	request := patched({"agreement": {"export_path": "forbidden"}})
	decision := gateway.decision with input as request
	codes(decision) == {"GATEWAY_EXPORT_FORBIDDEN"}
}

test_ciio_personal_information_outside_security_assessment_is_refused if {
	request := patched({"exporter": {"ciio": true}})
	decision := gateway.decision with input as request
	codes(decision) == {"GATEWAY_CIIO_REQUIRES_ASSESSMENT"}
	decision.reasons[0].basis == "Provisions art. 7(1)"
}

test_ciio_under_security_assessment_is_allowed if {
	request := patched({"exporter": {"ciio": true}, "agreement": {"export_path": "security_assessment"}})
	decision := gateway.decision with input as request
	allowed(decision)
}

test_ciio_without_personal_information_is_allowed if {
	decision := gateway.decision with input as patched(object.union({"exporter": {"ciio": true}}, no_pi))
	allowed(decision)
}

test_exempt_allows_up_to_99999_subjects_with_no_new_one_left if {
	request := object.union(on_path("exempt", 99999, 0), non_sensitive)
	decision := gateway.decision with input as request
	allowed(decision)
	max_subjects(decision) == [{"type": "max_subjects", "subjects": 0, "sensitive_subjects": 0}]
	warning_codes(decision) == {"GATEWAY_NO_NEW_SUBJECTS"}
	count(decision.warnings) == 1
}

test_exempt_leaves_room_below_the_cap if {
	request := object.union(on_path("exempt", 99000, 0), non_sensitive)
	decision := gateway.decision with input as request
	max_subjects(decision) == [{"type": "max_subjects", "subjects": 999, "sensitive_subjects": 0}]
	decision.warnings == []
}

test_exempt_refuses_at_100000_subjects if {
	request := object.union(on_path("exempt", 100000, 0), non_sensitive)
	decision := gateway.decision with input as request
	codes(decision) == {"GATEWAY_THRESHOLD_REACHED"}
	decision.reasons[0].basis == "Provisions art. 5(4); art. 8"
}

test_exempt_refuses_once_the_exporter_sent_sensitive_information if {
	decision := gateway.decision with input as object.union(on_path("exempt", 10, 1), non_sensitive)
	codes(decision) == {"GATEWAY_THRESHOLD_REACHED"}
}

test_exempt_lets_no_sensitive_subject_through if {
	request := on_path("exempt", 10, 0)
	decision := gateway.decision with input as request
	allowed(decision)
	max_subjects(decision) == [{"type": "max_subjects", "subjects": 99989, "sensitive_subjects": 0}]
	warning_codes(decision) == {"GATEWAY_NO_NEW_SUBJECTS"}
}

test_exempt_by_scenario_is_not_capped if {
	request := patched({"agreement": {"export_path": "exempt", "counted": false}, "cumulative": {"subjects": 500000}})
	decision := gateway.decision with input as request
	allowed(decision)
	max_subjects(decision) == []
}

test_standard_contract_allows_9999_sensitive_subjects_with_none_left if {
	request := on_path("standard_contract_or_certification", 150000, 9999)
	decision := gateway.decision with input as request
	allowed(decision)
	max_subjects(decision) == [{"type": "max_subjects", "subjects": 849999, "sensitive_subjects": 0}]
	warning_codes(decision) == {"GATEWAY_NO_NEW_SUBJECTS"}
}

test_standard_contract_refuses_at_10000_sensitive_subjects if {
	request := on_path("standard_contract_or_certification", 150000, 10000)
	decision := gateway.decision with input as request
	codes(decision) == {"GATEWAY_THRESHOLD_REACHED"}
	decision.reasons[0].basis == "Provisions art. 8; art. 7(2)"
}

test_standard_contract_allows_999999_subjects if {
	decision := gateway.decision with input as on_path("standard_contract_or_certification", 999999, 0)
	max_subjects(decision) == [{
		"type": "max_subjects",
		"subjects": 0,
		"sensitive_subjects": 9999,
	}]
}

test_standard_contract_refuses_at_1000000_subjects if {
	request := on_path("standard_contract_or_certification", 1000000, 0)
	decision := gateway.decision with input as request
	codes(decision) == {"GATEWAY_THRESHOLD_REACHED"}
	count(decision.reasons) == 1
}

test_both_caps_reached_give_two_reasons if {
	decision := gateway.decision with input as on_path("standard_contract_or_certification", 1000000, 10000)
	count(decision.reasons) == 2
}

test_security_assessment_has_no_numeric_cap if {
	request := on_path("security_assessment", 5000000, 80000)
	decision := gateway.decision with input as request
	allowed(decision)
	max_subjects(decision) == []
}

test_flow_without_personal_information_is_not_capped if {
	request := object.union(on_path("exempt", 100000, 1), no_pi)
	decision := gateway.decision with input as request
	allowed(decision)
	max_subjects(decision) == []
}

test_dropping_every_sensitive_field_leaves_a_non_sensitive_flow if {
	request := object.union(on_path("exempt", 10, 0), {
		"asset": {"fields": {"name": {"pi": true}, "diagnosis": {"sensitive": true}, "age_band": {}}},
		"agreement": {"policy": {"permissions": [{
			"action": "use",
			"duties": [{"action": "drop_fields", "fields": ["diagnosis"]}],
		}]}},
	})
	decision := gateway.decision with input as request
	allowed(decision)
	decision.warnings == []
	max_subjects(decision) == [{"type": "max_subjects", "subjects": 99989, "sensitive_subjects": 0}]
}

test_dropping_every_personal_field_leaves_no_personal_information if {
	request := object.union(on_path("exempt", 100000, 1), {
		"asset": {"fields": {"name": {"pi": true}, "diagnosis": {"sensitive": true}, "age_band": {}}},
		"agreement": {"policy": {"permissions": [{
			"action": "use",
			"duties": [{"action": "drop_fields", "fields": ["name", "diagnosis"]}],
		}]}},
	})
	decision := gateway.decision with input as request
	allowed(decision)
	max_subjects(decision) == []
}

test_a_kept_sensitive_field_makes_the_flow_sensitive if {
	request := object.union(on_path("exempt", 10, 0), {"asset": {
		"pi": true,
		"sensitive": false,
		"fields": {"diagnosis": {"sensitive": true}},
	}})
	decision := gateway.decision with input as request
	allowed(decision)
	some warning in decision.warnings
	startswith(warning.message, "no new sensitive_subjects may flow on the exempt path")
}

test_pseudonymised_fields_remain_personal_information if {
	request := object.union(on_path("exempt", 100000, 0), {
		"asset": {"pi": false, "sensitive": false, "fields": {"patient_id": {"pi": true}}},
		"agreement": {
			"obligations_accepted": ["pseudonymise_fields"],
			"policy": {"permissions": [{
				"action": "use",
				"duties": [{"action": "pseudonymise_fields", "fields": ["patient_id"]}],
			}]},
		},
	})
	decision := gateway.decision with input as request
	codes(decision) == {"GATEWAY_THRESHOLD_REACHED"}
}

# the usage contract, re-evaluated on every request

test_destination_outside_the_agreement_is_refused if {
	decision := gateway.decision with input as patched({"peer": {"country": "US"}})
	codes(decision) == {"CONTRACT_DESTINATION_NOT_ALLOWED"}
}

test_the_last_request_the_agreement_allows_is_allowed if {
	decision := gateway.decision with input as patched({"usage": {"requests": 99}})
	allowed(decision)
}

test_requests_once_max_requests_is_exactly_reached_are_refused if {
	decision := gateway.decision with input as patched({"usage": {"requests": 100}})
	codes(decision) == {"CONTRACT_MAX_REQUESTS_REACHED"}
}

test_records_once_max_records_is_reached_are_refused if {
	decision := gateway.decision with input as patched({"usage": {"records": 5000}})
	codes(decision) == {"CONTRACT_MAX_RECORDS_REACHED"}
}

test_agreement_without_the_agreed_purpose_is_refused if {
	request := without("agreement/purpose")
	decision := gateway.decision with input as request
	codes(decision) == {"CONTRACT_PURPOSE_NOT_ALLOWED"}
}

test_agreement_without_accepted_duties_is_refused if {
	request := without("agreement/obligations_accepted")
	decision := gateway.decision with input as request
	codes(decision) == {"CONTRACT_DUTY_NOT_ACCEPTED"}
}

test_unknown_term_in_the_agreement_policy_is_refused if {
	spatial := {"leftOperand": "spatial", "operator": "eq", "rightOperand": "EU"}
	policy := {"permissions": [{"action": "use", "constraints": [spatial]}]}
	decision := gateway.decision with input as patched({"agreement": {"policy": policy}})
	codes(decision) == {"CONTRACT_UNKNOWN_CONSTRAINT"}
}

# malformed input fails closed

test_malformed_agreement_period_is_refused if {
	decision := gateway.decision with input as patched({"agreement": {"start": "soon"}})
	codes(decision) == {"GATEWAY_INPUT_INVALID"}
	decision2 := gateway.decision with input as without("agreement/end")
	codes(decision2) == {"GATEWAY_INPUT_INVALID"}
}

test_malformed_now_is_refused if {
	decision := gateway.decision with input as patched({"now": "2025-06-01 08:00"})
	codes(decision) == {"CONTRACT_INPUT_INVALID"}
}

test_malformed_token_is_refused if {
	decision := gateway.decision with input as without("token/exp")
	codes(decision) == {"GATEWAY_INPUT_INVALID"}
	request := without("token/sub")
	decision2 := gateway.decision with input as request
	codes(decision2) == {"GATEWAY_INPUT_INVALID", "GATEWAY_TOKEN_SUBJECT_MISMATCH"}
}

test_unknown_export_path_is_refused if {
	decision := gateway.decision with input as patched({"agreement": {"export_path": "fast_track"}})
	codes(decision) == {"GATEWAY_INPUT_INVALID"}
}

test_missing_counts_are_refused if {
	request := object.remove(base, ["cumulative"])
	decision := gateway.decision with input as request
	codes(decision) == {"GATEWAY_INPUT_INVALID"}
	count(decision.reasons) == 2
	decision2 := gateway.decision with input as patched({"cumulative": {"subjects": -1}})
	codes(decision2) == {"GATEWAY_INPUT_INVALID"}
}

test_missing_asset_classification_is_refused if {
	decision := gateway.decision with input as object.remove(base, ["asset"])
	codes(decision) == {"GATEWAY_INPUT_INVALID"}
}

test_exporter_must_be_the_provider_and_say_whether_it_is_a_ciio if {
	decision := gateway.decision with input as patched({"exporter": {"id": "hospital-bj"}})
	codes(decision) == {"GATEWAY_INPUT_INVALID"}
	decision2 := gateway.decision with input as object.remove(base, ["exporter"])
	codes(decision2) == {"GATEWAY_INPUT_INVALID"}
}
