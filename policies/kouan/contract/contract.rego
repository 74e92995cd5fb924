# METADATA
# title: Usage contract
# description: |
#   Is a consumer's request acceptable under the usage policy of an offer or agreement? ODRL-style permissions,
#   prohibitions and duties over a closed vocabulary: any other term is refused, never ignored. The provider
#   evaluates it at negotiation and at transfer start; kouan.gateway re-evaluates it on every data-plane request.
#   Input: policies/schemas/contract-input.schema.json. Reason codes and their basis: docs/policy/contract.md.
#
#   In two stages. `standing` reads what stays the same from one request to the next under an agreement (the
#   policy, the consumer, the purpose, the accepted duties and the policy data): the reasons they give by themselves
#   and, for each use permission and prohibition, whether its constraints on them hold. kouan.contract.per_request
#   finishes the decision with the instant and the usage so far. `decision` runs both; the gateway keeps a standing
#   for the requests of an agreement (docs/policy/gateway.md).
package kouan.contract

import data.kouan.contract.per_request

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
decision := result if {
	terms := standing
	result := per_request.decision with input as object.union(_per_request_input, {"standing": terms})
}

_per_request_input := object.filter(input, ["now", "usage"]) if is_object(input)

else := {}

# METADATA
# title: Standing terms
# description: |
#   What the request's parties, purpose and accepted duties make of the policy, without the instant or the usage:
#   the reasons they give by themselves (deny), the failed constraints on them (reported when no permission is
#   granted), and for each use permission and prohibition whether its constraints on them hold, with its
#   constraints on the instant and the usage left for kouan.contract.per_request.
standing := {
	"reasons": sort(deny),
	"unmet": sort(unmet),
	"permissions": [permission_terms(p) | some p in permissions; p.action == "use"],
	"prohibitions": [prohibition_terms(p) | some p in prohibitions; p.action == "use"],
	"obligations": [d | some d in object.get(policy, "obligations", [])],
	"accepted": sort(accepted),
}

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
# title: Unknown country code
# description: |
#   A country of a destinationCountry constraint is not an ISO 3166-1 alpha-2 code of data.countries, the list the
#   export policy reads (XX, UK and EU are not codes; a group is named group:EU).
# custom:
#   code: CONTRACT_INVALID_CONSTRAINT
deny contains reason if {
	some c in all_constraints
	c.leftOperand == "destinationCountry"
	supported(c)
	well_formed(c)
	some entry in as_list(c.rightOperand)
	not startswith(entry, "group:")
	not entry in data.countries.alpha2
	reason := {
		"code": "CONTRACT_INVALID_CONSTRAINT",
		"message": concat("", ["destinationCountry names ", entry, ", not an ISO 3166-1 alpha-2 country code"]),
		"basis": "agreement constraint destinationCountry; data.countries",
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

# Failed constraints on the parties and the purpose, as reasons: kouan.contract.per_request gives them when no
# permission is granted (one rule per code, as for the constraints on the instant and the usage there).

# METADATA
# title: Purpose not permitted
# custom:
#   code: CONTRACT_PURPOSE_NOT_ALLOWED
unmet contains unmet_reason(c, "CONTRACT_PURPOSE_NOT_ALLOWED") if {
	some c in failed
	c.leftOperand == "purpose"
}

# METADATA
# title: Recipient not permitted
# custom:
#   code: CONTRACT_RECIPIENT_NOT_ALLOWED
unmet contains unmet_reason(c, "CONTRACT_RECIPIENT_NOT_ALLOWED") if {
	some c in failed
	c.leftOperand == "recipient"
}

# METADATA
# title: Destination country not permitted
# custom:
#   code: CONTRACT_DESTINATION_NOT_ALLOWED
unmet contains unmet_reason(c, "CONTRACT_DESTINATION_NOT_ALLOWED") if {
	some c in failed
	c.leftOperand == "destinationCountry"
}
