# METADATA
# title: Usage contract
# description: |
#   Is a consumer's request acceptable under the usage policy of an offer or agreement? ODRL-style permissions,
#   prohibitions and duties over a closed vocabulary: any other term is refused, never ignored. The provider
#   evaluates it at negotiation and at transfer start; kouan.gateway re-evaluates it on every data-plane request.
#   Input: policies/schemas/contract-input.schema.json. Reason codes and their basis: docs/policy/contract.md.
package kouan.contract

import data.kouan.lib.dates

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
	not d.action in accepted
	reason := {
		"code": "CONTRACT_DUTY_NOT_ACCEPTED",
		"message": concat("", ["the consumer has not accepted the duty ", d.action]),
		"basis": concat("", ["agreement duty ", d.action]),
	}
}

# The policy's parts. Missing parts are empty; parts of the wrong type are reported in input_problems.
policy := object.get(input, "policy", {})

permissions := object.get(policy, "permissions", [])

prohibitions := object.get(policy, "prohibitions", [])

accepted := {action | some action in object.get(input, ["request", "obligations_accepted"], [])}

# An RFC 3339 date-time as a string that orders as the instant it names (kouan.lib.dates).
now := dates.instant(input.now)

# What each subject-valued operand is compared with: the request and the consumer's attested identity.
subject := {
	"purpose": object.get(input, ["request", "purpose"], null),
	"recipient": object.get(input, ["consumer", "id"], null),
	"destinationCountry": object.get(input, ["consumer", "country"], null),
}

policy_rules contains rule if some rule in permissions

policy_rules contains rule if some rule in prohibitions

all_constraints contains c if {
	some rule in policy_rules
	some c in object.get(rule, "constraints", [])
}

all_duties contains d if some d in object.get(policy, "obligations", [])

all_duties contains d if {
	some p in permissions
	some d in object.get(p, "duties", [])
}

use_permissions contains i if {
	some i, p in permissions
	p.action == "use"
}

# Permissions whose constraints all hold; any one of them permits the use.
granted contains i if {
	some i in use_permissions
	every c in object.get(permissions[i], "constraints", []) {
		holds(c)
	}
}

# Well-formed constraints that fail, reported when no permission is granted.
unmet contains c if {
	count(granted) == 0
	some i in use_permissions
	some c in object.get(permissions[i], "constraints", [])
	supported(c)
	well_formed(c)
	not holds(c)
}

# The policy's own obligations and the duties of every granted permission.
required_duties contains d if some d in object.get(policy, "obligations", [])

required_duties contains d if {
	some i in granted
	some d in object.get(permissions[i], "duties", [])
}

unknown_actions contains action_of(rule) if {
	some rule in policy_rules
	not known_rule_action(rule)
}

unknown_actions contains action_of(d) if {
	some d in all_duties
	not known_duty(d)
}

unknown_terms contains concat(".", ["policy", key]) if {
	some key, _ in policy
	not key in {"permissions", "prohibitions", "obligations"}
}

unknown_terms contains concat(".", ["permission", key]) if {
	some p in permissions
	some key, _ in p
	not key in {"action", "constraints", "duties"}
}

unknown_terms contains concat(".", ["prohibition", key]) if {
	some p in prohibitions
	some key, _ in p
	not key in {"action", "constraints"}
}

unknown_terms contains concat(".", ["constraint", key]) if {
	some c in all_constraints
	some key, _ in c
	not key in constraint_keys
}

unknown_terms contains concat(".", [d.action, key]) if {
	some d in all_duties
	some key, _ in d
	key != "action"
	known_duty(d)
	not key in duty_parameters[d.action]
}

input_problems contains "now is not an RFC 3339 date-time" if not now

input_problems contains concat("", ["consumer.", key, " is not a string"]) if {
	some key in ["id", "country"]
	not is_string(object.get(input, ["consumer", key], null))
}

input_problems contains concat("", ["usage.", key, " is not a non-negative integer"]) if {
	some key in ["requests", "records", "subjects"]
	not count_value(object.get(input, ["usage", key], null))
}

input_problems contains "policy is not an object" if not is_object(policy)

input_problems contains concat("", ["policy.", key, " is not an array"]) if {
	some key in ["permissions", "prohibitions", "obligations"]
	not is_array(object.get(policy, key, []))
}

# Vocabulary checks, as functions so that a missing key makes them false (a negated lookup with a missing key
# would be undefined and refuse nothing).
known_operand(c) if operators[c.leftOperand]

supported(c) if c.operator in operators[c.leftOperand]

known_rule_action(rule) if rule.action in rule_actions

known_duty(d) if duty_parameters[d.action]

action_of(term) := object.get(term, "action", null) if is_object(term)

else := term

# Constraint evaluation.

# METADATA
# description: The right operand has the form the operator needs.
well_formed(c) if {
	c.operator == "eq"
	is_string(c.rightOperand)
}

well_formed(c) if {
	c.operator in {"isAnyOf", "isNoneOf"}
	is_array(c.rightOperand)
	count(c.rightOperand) > 0
	every value in c.rightOperand {
		is_string(value)
	}
}

well_formed(c) if {
	c.leftOperand == "dateTime"
	dates.instant(c.rightOperand)
}

well_formed(c) if {
	usage_counters[c.leftOperand]
	count_value(c.rightOperand)
}

# METADATA
# description: The constraint holds for this request; false for unknown or malformed constraints.
holds(c) if {
	c.operator in {"eq", "isAnyOf"}
	subject[c.leftOperand] in allowed_values(c)
}

holds(c) if {
	c.operator == "isNoneOf"
	not subject[c.leftOperand] in allowed_values(c)
}

holds(c) if {
	c.leftOperand == "dateTime"
	compare(now, c.operator, dates.instant(c.rightOperand))
}

# A volume limit holds while the count so far is below it: this request is the next one.
holds(c) if {
	c.operator == "lteq"
	input.usage[usage_counters[c.leftOperand]] < c.rightOperand
}

compare(a, "gt", b) if a > b

compare(a, "gteq", b) if a >= b

compare(a, "lt", b) if a < b

compare(a, "lteq", b) if a <= b

# The values a subject-valued constraint admits, with destination country groups expanded.
allowed_values(c) := {value | some value in as_list(c.rightOperand)} if c.leftOperand != "destinationCountry"

allowed_values(c) := {country |
	some entry in as_list(c.rightOperand)
	some country in country_members(entry)
} if c.leftOperand == "destinationCountry"

country_members(entry) := data.country_groups.groups[substring(entry, 6, -1)].members if startswith(entry, "group:")

country_members(entry) := [entry] if not startswith(entry, "group:")

as_list(value) := value if is_array(value)

as_list(value) := [value] if is_string(value)

count_value(n) if {
	is_number(n)
	n >= 0
	round(n) == n
}

duty_well_formed(d) if {
	d.action in field_duties
	is_array(d.fields)
	count(d.fields) > 0
	every field in d.fields {
		is_string(field)
	}
}

# An ISO 8601 duration with at least one component, e.g. P30D, P1Y6M or PT12H. Read without a regex: in wasm every
# regex is compiled again in each evaluation (tens of µs), so the parts are checked with string builtins.
duty_well_formed(d) if {
	d.action == "delete_after"
	startswith(d.duration, "P")
	parts := split(substring(d.duration, 1, -1), "T")
	count(parts) <= 2
	not "" in array.slice(parts, 1, 2)
	concat("", parts) != ""
	_duration_part(parts[0], "YMWD")
	every time in array.slice(parts, 1, 2) {
		_duration_part(time, "HMS")
	}
}

duty_well_formed(d) if {
	d.action == "notify"
	is_string(object.get(d, "target", ""))
}

unmet_reason(c, code) := {
	"code": code,
	"message": concat("", ["the request does not meet the permission constraint ", describe(c), actual(c)]),
	"basis": concat(" ", ["agreement constraint", c.leftOperand]),
}

describe(c) := concat(" ", [c.leftOperand, c.operator, render(c.rightOperand)])

# Any constraint as text, the same in every engine (json.marshal orders object keys differently in wasm).
show(c) := concat(" ", [json.marshal(object.get(c, key, null)) | some key in constraint_keys]) if {
	"leftOperand" in object.keys(c)
} else := concat("", ["with keys ", concat(", ", sort(object.keys(c)))]) if {
	is_object(c)
} else := json.marshal(c)

# The value the constraint was evaluated against, for the message.
actual(c) := concat("", [" (now is ", input.now, ")"]) if {
	c.leftOperand == "dateTime"
} else := concat("", [" (", counter, " so far: ", render(input.usage[counter]), ")"]) if {
	counter := usage_counters[c.leftOperand]
} else := concat("", [" (", c.leftOperand, " is ", subject[c.leftOperand], ")"]) if {
	is_string(subject[c.leftOperand])
} else := concat("", [" (no ", c.leftOperand, " given)"])

render(value) := value if is_string(value)

render(value) := concat(", ", value) if is_array(value)

render(value) := format_int(value, 10) if is_number(value)

# A part of a duration: numbers, each followed by one of the designators, in their order and each at most once.
_duration_part(part, designators) if {
	letters := strings.replace_n({"0": "", "1": "", "2": "", "3": "", "4": "", "5": "", "6": "", "7": "", "8": "", "9": ""}, part)
	letters == strings.replace_n({c: "" | some c in split(designators, ""); not contains(letters, c)}, designators)
	numbers := split(strings.replace_n({c: "," | some c in split(designators, "")}, part), ",")
	numbers[count(numbers) - 1] == ""
	every n in array.slice(numbers, 0, count(numbers) - 1) {
		n != ""
		dates.digits(n)
	}
}

# Obligations for the data plane: one per field duty (fields merged and sorted), then the remaining volume.
obligations := array.concat(
	[{"type": action, "fields": sort(fields)} |
		some action in field_duties
		fields := {field |
			some d in required_duties
			d.action == action
			some field in d.fields
		}
		count(fields) > 0
	],
	[{"type": type, key: n} |
		some [operand, type, key] in volume_obligations
		n := remaining[operand]
	],
)

# The obligation each volume limit becomes, and the key that carries what it still allows.
volume_obligations := [["maxRecords", "max_records", "records"], ["maxDataSubjects", "max_data_subjects", "subjects"]]

# What each volume limit of the granted permissions still allows (the tightest when there are several).
remaining[operand] := min(left) if {
	some operand, counter in usage_counters
	left := {n |
		some i in granted
		some c in object.get(permissions[i], "constraints", [])
		c.leftOperand == operand
		n := c.rightOperand - input.usage[counter]
	}
	count(left) > 0
}
