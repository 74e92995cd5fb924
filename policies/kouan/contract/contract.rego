# METADATA
# title: Usage contract
# description: |
#   Is a consumer's request acceptable under the usage policy of an offer or agreement? ODRL-style permissions,
#   prohibitions and duties over a closed vocabulary: any other term is refused, never ignored. The provider
#   evaluates it at negotiation and at transfer start; kouan.gateway re-evaluates it on every data-plane request.
#   Input: policies/schemas/contract-input.schema.json. Reason codes and their basis: docs/policy/contract.md.
package kouan.contract

# The vocabulary: left operands with the operators each accepts, rule actions, duty actions with their parameters.
operators := {
	"purpose": {"eq", "isAnyOf"},
	"recipient": {"eq", "isAnyOf", "isNoneOf"},
	"destinationCountry": {"eq", "isAnyOf", "isNoneOf"},
	"dateTime": {"gt", "gteq", "lt", "lteq"},
	"maxRequests": {"lteq"},
	"maxRecords": {"lteq"},
	"maxDataSubjects": {"lteq"},
}

# The usage counter each volume operand limits.
usage_counters := {"maxRequests": "requests", "maxRecords": "records", "maxDataSubjects": "subjects"}

constraint_keys := ["leftOperand", "operator", "rightOperand"]

# Keys each part of a policy may carry. (Lookups in constant sets: in wasm, `x in {...}` builds the set each time.)
term_keys := {
	"policy": {"permissions", "prohibitions", "obligations"},
	"permission": {"action", "constraints", "duties"},
	"prohibition": {"action", "constraints"},
}

rule_actions := {"use"}

duty_parameters := {
	"drop_fields": {"fields"},
	"mask_fields": {"fields"},
	"pseudonymise_fields": {"fields"},
	"delete_after": {"duration"},
	"notify": {"target"},
}

# Duties the data plane applies to each record, in the order the decision lists them.
field_duties := ["drop_fields", "mask_fields", "pseudonymise_fields"]

# METADATA
# title: Contract decision
# description: The decision the provider's connector queries; obligations are given only when allowed.
# entrypoint: true
decision := {
	"allow": allow,
	"reasons": sort(deny),
	"warnings": [],
	"obligations": granted_obligations,
}

default allow := false

# A request is allowed when nothing refuses it and some permission grants it (a permission never granted always
# leaves a reason: a failed, unknown or malformed constraint).
allow if {
	count(deny) == 0
	count(granted) > 0
}

default granted_obligations := []

granted_obligations := obligations if allow

# METADATA
# title: Malformed input
# description: A value the decision depends on is missing or has the wrong form.
# custom:
#   code: CONTRACT_INPUT_INVALID
deny contains reason if {
	some problem in input_problems
	reason := {"code": "CONTRACT_INPUT_INVALID", "message": problem, "basis": "kouan.contract input schema"}
}

# METADATA
# title: Unknown constraint
# custom:
#   code: CONTRACT_UNKNOWN_CONSTRAINT
deny contains reason if {
	some c in all_constraints
	not known_operand(c)
	reason := {
		"code": "CONTRACT_UNKNOWN_CONSTRAINT",
		"message": concat("", ["unsupported constraint ", show(c)]),
		"basis": "agreement policy: unknown terms are refused",
	}
}

# METADATA
# title: Unknown operator
# description: The operator is unknown, or not one the left operand accepts.
# custom:
#   code: CONTRACT_UNKNOWN_OPERATOR
deny contains reason if {
	some c in all_constraints
	known_operand(c)
	not supported(c)
	reason := {
		"code": "CONTRACT_UNKNOWN_OPERATOR",
		"message": concat("", ["unsupported operator in constraint ", show(c)]),
		"basis": "agreement policy: unknown terms are refused",
	}
}

# METADATA
# title: Malformed constraint
# description: The right operand does not have the form the operator needs.
# custom:
#   code: CONTRACT_INVALID_CONSTRAINT
deny contains reason if {
	some c in all_constraints
	supported(c)
	not well_formed(c)
	reason := {
		"code": "CONTRACT_INVALID_CONSTRAINT",
		"message": concat("", ["malformed rightOperand in constraint ", show(c)]),
		"basis": "agreement policy: unknown terms are refused",
	}
}

# METADATA
# title: Unknown country group
# custom:
#   code: CONTRACT_UNKNOWN_COUNTRY_GROUP
deny contains reason if {
	some c in all_constraints
	c.leftOperand == "destinationCountry"
	some entry in as_list(c.rightOperand)
	startswith(entry, "group:")
	not data.country_groups.groups[substring(entry, 6, -1)]
	reason := {
		"code": "CONTRACT_UNKNOWN_COUNTRY_GROUP",
		"message": concat("", ["destinationCountry names an unknown country group ", entry]),
		"basis": "agreement constraint destinationCountry; data.country_groups",
	}
}

# METADATA
# title: Unknown action
# custom:
#   code: CONTRACT_UNKNOWN_ACTION
deny contains reason if {
	some action in unknown_actions
	reason := {
		"code": "CONTRACT_UNKNOWN_ACTION",
		"message": concat("", ["unsupported action ", json.marshal(action)]),
		"basis": "agreement policy: unknown terms are refused",
	}
}

# METADATA
# title: Unknown term
# description: A policy, rule, constraint or duty carries a key outside the vocabulary.
# custom:
#   code: CONTRACT_UNKNOWN_TERM
deny contains reason if {
	some term in unknown_terms
	reason := {
		"code": "CONTRACT_UNKNOWN_TERM",
		"message": concat("", ["unsupported policy term ", term]),
		"basis": "agreement policy: unknown terms are refused",
	}
}

# METADATA
# title: Malformed duty
# custom:
#   code: CONTRACT_INVALID_DUTY
deny contains reason if {
	some d in all_duties
	known_duty(d)
	not duty_well_formed(d)
	reason := {
		"code": "CONTRACT_INVALID_DUTY",
		"message": concat("", ["malformed parameters for duty ", d.action]),
		"basis": concat("", ["agreement duty ", d.action]),
	}
}

# METADATA
# title: No use permission
# custom:
#   code: CONTRACT_NO_PERMISSION
deny contains reason if {
	count(use_permissions) == 0
	reason := {
		"code": "CONTRACT_NO_PERMISSION",
		"message": "the policy grants no use permission",
		"basis": "agreement permission",
	}
}

# METADATA
# title: Purpose not permitted
# custom:
#   code: CONTRACT_PURPOSE_NOT_ALLOWED
deny contains unmet_reason(c, "CONTRACT_PURPOSE_NOT_ALLOWED") if {
	some c in unmet
	c.leftOperand == "purpose"
}

# METADATA
# title: Recipient not permitted
# custom:
#   code: CONTRACT_RECIPIENT_NOT_ALLOWED
deny contains unmet_reason(c, "CONTRACT_RECIPIENT_NOT_ALLOWED") if {
	some c in unmet
	c.leftOperand == "recipient"
}

# METADATA
# title: Destination country not permitted
# custom:
#   code: CONTRACT_DESTINATION_NOT_ALLOWED
deny contains unmet_reason(c, "CONTRACT_DESTINATION_NOT_ALLOWED") if {
	some c in unmet
	c.leftOperand == "destinationCountry"
}

# METADATA
# title: Outside the validity window
# custom:
#   code: CONTRACT_OUTSIDE_VALIDITY
deny contains unmet_reason(c, "CONTRACT_OUTSIDE_VALIDITY") if {
	some c in unmet
	c.leftOperand == "dateTime"
}

# METADATA
# title: Request limit reached
# custom:
#   code: CONTRACT_MAX_REQUESTS_REACHED
deny contains unmet_reason(c, "CONTRACT_MAX_REQUESTS_REACHED") if {
	some c in unmet
	c.leftOperand == "maxRequests"
}

# METADATA
# title: Record limit reached
# custom:
#   code: CONTRACT_MAX_RECORDS_REACHED
deny contains unmet_reason(c, "CONTRACT_MAX_RECORDS_REACHED") if {
	some c in unmet
	c.leftOperand == "maxRecords"
}

# METADATA
# title: Data-subject limit reached
# custom:
#   code: CONTRACT_MAX_SUBJECTS_REACHED
deny contains unmet_reason(c, "CONTRACT_MAX_SUBJECTS_REACHED") if {
	some c in unmet
	c.leftOperand == "maxDataSubjects"
}

# METADATA
# title: Prohibited use
# description: Every constraint of a use prohibition holds (one without constraints always applies).
# custom:
#   code: CONTRACT_PROHIBITED
deny contains reason if {
	some p in prohibitions
	p.action == "use"
	every c in object.get(p, "constraints", []) {
		holds(c)
	}
	conditions := concat(" and ", [describe(c) | some c in object.get(p, "constraints", [])])
	reason := {
		"code": "CONTRACT_PROHIBITED",
		"message": concat(" when ", [part | some part in ["the policy prohibits this use", conditions]; part != ""]),
		"basis": "agreement prohibition",
	}
}

# METADATA
# title: Duty not accepted
# custom:
#   code: CONTRACT_DUTY_NOT_ACCEPTED
deny contains reason if {
	some d in required_duties
	known_duty(d)
	not accepted[d.action]
	reason := {
		"code": "CONTRACT_DUTY_NOT_ACCEPTED",
		"message": concat("", ["the consumer has not accepted the duty ", d.action]),
		"basis": concat("", ["agreement duty ", d.action]),
	}
}
