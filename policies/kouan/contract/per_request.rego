# METADATA
# title: Usage contract, per request
# description: |
#   The second stage of kouan.contract: its standing terms (kouan.contract.standing) with the instant and the usage
#   so far. Input: {"now": RFC 3339, "usage": {requests, records, subjects}, "standing": kouan.contract.standing}.
#   kouan.contract.decision runs both stages; the gateway evaluates this one for each request of an agreement
#   whose standing it already has (docs/policy/gateway.md).
package kouan.contract.per_request

import data.kouan.contract

terms := input.standing

# METADATA
# title: Contract decision for one request
# description: The usage contract's decision; obligations are given only when allowed.
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

# Permissions whose constraints all hold (those on the parties and the purpose already, as standing); any one of
# them permits the use. The index is the permission's place among the use permissions.
granted contains i if {
	some i, p in terms.permissions
	p.holds == true
	every r in p.pending {
		contract.holds(r.constraint)
	}
}

# Well-formed constraints on the instant and the usage that fail, reported when no permission is granted.
unmet contains r.constraint if {
	count(granted) == 0
	some p in terms.permissions
	some r in p.pending
	r.reportable == true
	not contract.holds(r.constraint)
}

# METADATA
# title: Refused by the standing terms
# description: What the policy, the parties and the purpose refuse by themselves.
# custom:
#   codes_from: kouan.contract (standing)
deny contains reason if some reason in terms.reasons

# METADATA
# title: Permission constraints on the parties and the purpose not met
# description: Failed constraints on recipient, destination and purpose, reported when no permission is granted.
# custom:
#   codes_from: kouan.contract.unmet
deny contains reason if {
	count(granted) == 0
	some reason in terms.unmet
}

# METADATA
# title: Malformed input
# description: The instant or a usage count is missing or has the wrong form.
# custom:
#   code: CONTRACT_INPUT_INVALID
deny contains reason if {
	some problem in input_problems
	reason := {"code": "CONTRACT_INPUT_INVALID", "message": problem, "basis": "kouan.contract input schema"}
}

input_problems contains "now is not an RFC 3339 date-time" if not contract.now

input_problems contains concat("", ["usage.", key, " is not a non-negative integer"]) if {
	some key in ["requests", "records", "subjects"]
	not contract.count_value(object.get(input, ["usage", key], null))
}

# METADATA
# title: Outside the validity window
# custom:
#   code: CONTRACT_OUTSIDE_VALIDITY
deny contains contract.unmet_reason(c, "CONTRACT_OUTSIDE_VALIDITY") if {
	some c in unmet
	c.leftOperand == "dateTime"
}

# METADATA
# title: Request limit reached
# custom:
#   code: CONTRACT_MAX_REQUESTS_REACHED
deny contains contract.unmet_reason(c, "CONTRACT_MAX_REQUESTS_REACHED") if {
	some c in unmet
	c.leftOperand == "maxRequests"
}

# METADATA
# title: Record limit reached
# custom:
#   code: CONTRACT_MAX_RECORDS_REACHED
deny contains contract.unmet_reason(c, "CONTRACT_MAX_RECORDS_REACHED") if {
	some c in unmet
	c.leftOperand == "maxRecords"
}

# METADATA
# title: Data-subject limit reached
# custom:
#   code: CONTRACT_MAX_SUBJECTS_REACHED
deny contains contract.unmet_reason(c, "CONTRACT_MAX_SUBJECTS_REACHED") if {
	some c in unmet
	c.leftOperand == "maxDataSubjects"
}

# METADATA
# title: Prohibited use
# description: Every constraint of a use prohibition holds (one without constraints always applies).
# custom:
#   code: CONTRACT_PROHIBITED
deny contains p.reason if {
	some p in terms.prohibitions
	p.holds == true
	every c in p.pending {
		contract.holds(c)
	}
}

# The policy's own obligations and the duties of every granted permission.
required_duties := array.concat(terms.obligations, [d | some i in granted; some d in terms.permissions[i].duties])

accepted := {action | some action in terms.accepted}

# METADATA
# title: Duty not accepted
# custom:
#   code: CONTRACT_DUTY_NOT_ACCEPTED
deny contains reason if {
	some d in required_duties
	contract.known_duty(d)
	not accepted[d.action]
	reason := {
		"code": "CONTRACT_DUTY_NOT_ACCEPTED",
		"message": concat("", ["the consumer has not accepted the duty ", d.action]),
		"basis": concat("", ["agreement duty ", d.action]),
	}
}

# Obligations for the data plane: one per field duty (fields merged and sorted), then the remaining volume.
obligations := array.concat(
	[{"type": action, "fields": sort(fields)} |
		some action in contract.field_duties
		fields := {field |
			some d in required_duties
			d.action == action
			some field in d.fields
		}
		count(fields) > 0
	],
	[{"type": type, key: min(left)} |
		some [operand, type, key] in volume_obligations
		left := remaining(operand)
		count(left) > 0
	],
)

# The obligation each volume limit becomes, and the key that carries what it still allows.
volume_obligations := [["maxRecords", "max_records", "records"], ["maxDataSubjects", "max_data_subjects", "subjects"]]

# What each limit on operand of the granted permissions still allows (the tightest counts).
remaining(operand) := {n |
	some i in granted
	some r in terms.permissions[i].pending
	r.constraint.leftOperand == operand
	n := r.constraint.rightOperand - input.usage[contract.usage_counters[operand]]
}
