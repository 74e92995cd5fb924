# The agreement's policy read apart: its rules, constraints and duties, what is granted, and the vocabulary
# and input checks whose findings contract.rego turns into reasons.
package kouan.contract

import data.kouan.lib.dates

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

# The policy's rules (permissions, then prohibitions), their constraints and all duties, as lists: what is made
# from them is a set anyway, and lists spare hashing whole objects into sets.
policy_rules := array.concat([rule | some rule in permissions], [rule | some rule in prohibitions])

all_constraints := [c | some rule in policy_rules; some c in object.get(rule, "constraints", [])]

all_duties := array.concat(
	[d | some d in object.get(policy, "obligations", [])],
	[d | some p in permissions; some d in object.get(p, "duties", [])],
)

use_permissions contains i if {
	some i, p in permissions
	p.action == "use"
}

# Constraints on the instant and on the usage so far: kouan.contract.per_request evaluates them for each request.
per_request_operands := {"dateTime", "maxRequests", "maxRecords", "maxDataSubjects"}

pending(c) if per_request_operands[c.leftOperand]

# Well-formed constraints of the use permissions on the request's parties and purpose that do not hold (reported
# when no permission is granted).
failed contains c if {
	some i in use_permissions
	some c in object.get(permissions[i], "constraints", [])
	not pending(c)
	supported(c)
	well_formed(c)
	not holds(c)
}

# A use permission as kouan.contract.per_request needs it: whether its other constraints hold, and those it
# evaluates itself, each with whether a failure is reported (only for supported, well-formed constraints).
permission_terms(p) := {
	"holds": standing_holds(constraints),
	"pending": [{"constraint": c, "reportable": reportable(c)} | some c in constraints; pending(c)],
	"duties": object.get(p, "duties", []),
} if {
	constraints := object.get(p, "constraints", [])
}

# A use prohibition likewise, with the reason it gives when it applies.
prohibition_terms(p) := {
	"holds": standing_holds(constraints),
	"pending": [c | some c in constraints; pending(c)],
	"reason": {
		"code": "CONTRACT_PROHIBITED",
		"message": concat(" when ", [part | some part in ["the policy prohibits this use", conditions]; part != ""]),
		"basis": "agreement prohibition",
	},
} if {
	constraints := object.get(p, "constraints", [])
	conditions := concat(" and ", [describe(c) | some c in constraints])
}

# Every constraint that is not pending holds (false when the constraints are not a list: every is false on them).
standing_holds(constraints) if {
	every c in constraints {
		pending_or_holds(c)
	}
} else := false

pending_or_holds(c) if pending(c)

pending_or_holds(c) if holds(c)

reportable(c) if {
	supported(c)
	well_formed(c)
} else := false

unknown_actions contains action_of(rule) if {
	some rule in policy_rules
	not known_rule_action(rule)
}

unknown_actions contains action_of(d) if {
	some d in all_duties
	not known_duty(d)
}

# (object.remove leaves only the keys outside the vocabulary; it is undefined for what is not an object.)
unknown_terms contains concat(".", ["policy", key]) if some key, _ in object.remove(policy, term_keys.policy)

unknown_terms contains concat(".", ["permission", key]) if {
	some p in permissions
	some key, _ in object.remove(p, term_keys.permission)
}

unknown_terms contains concat(".", ["prohibition", key]) if {
	some p in prohibitions
	some key, _ in object.remove(p, term_keys.prohibition)
}

unknown_terms contains concat(".", ["constraint", key]) if {
	some c in all_constraints
	some key, _ in object.remove(c, constraint_keys)
}

unknown_terms contains concat(".", [d.action, key]) if {
	some d in all_duties
	some key, _ in d
	key != "action"
	known_duty(d)
	not duty_parameters[d.action][key]
}

input_problems contains concat("", ["consumer.", key, " is not a string"]) if {
	some key in ["id", "country"]
	not is_string(object.get(input, ["consumer", key], null))
}

input_problems contains "policy is not an object" if not is_object(policy)

input_problems contains concat("", [kind, ".", key, " is not an array"]) if {
	some [kind, rules, keys] in [["permission", permissions, ["constraints", "duties"]], ["prohibition", prohibitions, ["constraints"]]]
	some rule in rules
	some key in keys
	not is_array(object.get(rule, key, []))
}

input_problems contains concat("", ["policy.", key, " is not an array"]) if {
	some key in ["permissions", "prohibitions", "obligations"]
	not is_array(object.get(policy, key, []))
}

# Vocabulary checks, as functions so that a missing key makes them false (a negated lookup with a missing key
# would be undefined and refuse nothing).
known_operand(c) if operators[c.leftOperand]

supported(c) if operators[c.leftOperand][c.operator]

known_rule_action(rule) if rule_actions[rule.action]

known_duty(d) if duty_parameters[d.action]

action_of(term) := object.get(term, "action", null) if is_object(term)

else := term
