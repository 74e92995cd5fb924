# METADATA
# title: Data-plane gateway, per request
# description: |
#   The second stage of kouan.gateway: its standing terms (kouan.gateway.standing) with the instant, the
#   agreement's usage so far and the exporter's cumulative data subjects this calendar year. Input: {"now",
#   "usage", "cumulative", "standing"} (policies/schemas/gateway-input.schema.json for the first three).
package kouan.gateway.per_request

import data.kouan.contract
import data.kouan.contract.per_request as contract_per_request
import data.kouan.lib.dates

# METADATA
# title: Gateway decision for one request
# description: The decision for one data-plane request; obligations are given only when allowed.
# entrypoint: true
decision := {
	"allow": allow,
	"reasons": sort(deny),
	"warnings": sort(warn),
	"obligations": granted_obligations,
}

default allow := false

allow if {
	count(deny) == 0
	terms.allow == true
}

default granted_obligations := []

granted_obligations := array.concat(terms.obligations, subject_obligations) if allow

now := dates.instant(input.now)

agreement := input.standing.agreement

period := input.standing.period

token_exp := input.standing.token_exp

caps := input.standing.caps

# now is at or after the token's exp (in whole seconds since the epoch): compared as instants where the standing
# terms carry exp as one, else in seconds.
token_expired if {
	expires := input.standing.token_expires
	is_string(expires)
	now >= expires
}

token_expired if {
	not is_string(input.standing.token_expires)
	is_number(token_exp)
	dates.epoch_seconds(now) >= token_exp
}

# The agreement's usage contract for this request, from its standing terms. Its `now` is the gateway's, already
# read (contract.now below).
terms := result if {
	now
	result := contract_per_request.decision with input as _contract_input with contract.now as now
} else := result if {
	# kouan.contract.per_request reports an invalid `now` too
	result := contract_per_request.decision with input as _contract_input
}

_contract_input := object.union(object.filter(input, ["now", "usage"]), {"standing": input.standing.contract})

# METADATA
# title: Refused by the standing terms
# description: What the parties, the token, the agreement, the transfer and the asset refuse by themselves.
# custom:
#   codes_from: kouan.gateway (standing)
deny contains reason if some reason in input.standing.reasons

# METADATA
# title: Malformed input
# custom:
#   code: GATEWAY_INPUT_INVALID
deny contains reason if {
	some problem in input_problems
	reason := {"code": "GATEWAY_INPUT_INVALID", "message": problem, "basis": "kouan.gateway input schema"}
}

input_problems contains concat("", ["cumulative.", key, " is not a non-negative integer"]) if {
	some key in ["subjects", "sensitive_subjects"]
	not contract.count_value(object.get(input, ["cumulative", key], null))
}

# METADATA
# title: Usage contract not met
# description: |
#   The reasons kouan.contract gives for the agreement's policy on this request (destination, request and
#   volume limits, validity window, unknown terms ...), passed on with their CONTRACT_* codes.
# custom:
#   codes_from: kouan.contract
deny contains reason if some reason in terms.reasons

# METADATA
# title: Agreement not started
# custom:
#   code: GATEWAY_AGREEMENT_NOT_STARTED
deny contains reason if {
	now < period.start
	reason := {
		"code": "GATEWAY_AGREEMENT_NOT_STARTED",
		"message": concat("", ["the agreement starts at ", agreement.start, "; now is ", input.now]),
		"basis": "agreement start",
	}
}

# METADATA
# title: Agreement ended
# description: The agreement runs over [start, end), so it is over at its end.
# custom:
#   code: GATEWAY_AGREEMENT_EXPIRED
deny contains reason if {
	now >= period.end
	reason := {
		"code": "GATEWAY_AGREEMENT_EXPIRED",
		"message": concat("", ["the agreement ended at ", agreement.end, "; now is ", input.now]),
		"basis": "agreement end",
	}
}

# METADATA
# title: Token expired
# custom:
#   code: GATEWAY_TOKEN_EXPIRED
deny contains reason if {
	token_expired
	reason := {
		"code": "GATEWAY_TOKEN_EXPIRED",
		"message": concat("", [
			"the token expired at ", format_int(token_exp, 10), " (epoch seconds); now is ", input.now,
		]),
		"basis": "RFC 7519 sec. 4.1.4",
	}
}

# METADATA
# title: CIIO without security assessment
# description: |
#   The exporter is (now) a critical information infrastructure operator, so any personal information it
#   provides abroad needs a security assessment, whatever path the agreement was concluded on.
# custom:
#   code: GATEWAY_CIIO_REQUIRES_ASSESSMENT
deny contains reason if {
	input.standing.ciio == true
	carries_pi
	agreement.export_path != "security_assessment"
	reason := {
		"code": "GATEWAY_CIIO_REQUIRES_ASSESSMENT",
		"message": concat("", [
			"the exporter is a CIIO: personal information needs the security_assessment path, not ",
			agreement.export_path,
		]),
		"basis": "Provisions art. 7(1)",
	}
}

# METADATA
# title: Cumulative threshold reached
# description: |
#   The exporter's data subjects this calendar year are already at or over what the export path allows,
#   so no personal information may flow under it until a higher path is in place.
# custom:
#   code: GATEWAY_THRESHOLD_REACHED
deny contains reason if {
	carries_pi
	some category, cap in caps
	input.cumulative[category] >= cap.below
	reason := {
		"code": "GATEWAY_THRESHOLD_REACHED",
		"message": concat("", [
			"the exporter's ", category, " this year (", format_int(input.cumulative[category], 10),
			") reached the ", agreement.export_path, " cap (fewer than ", format_int(cap.below, 10), ")",
		]),
		"basis": cap.basis,
	}
}

# METADATA
# title: No new data subjects
# description: Within the cap, but no new data subject of this kind may flow; already counted ones still may.
# custom:
#   code: GATEWAY_NO_NEW_SUBJECTS
warn contains warning if {
	some category, cap in caps
	carries[category]
	input.cumulative[category] == cap.below - 1
	warning := {
		"code": "GATEWAY_NO_NEW_SUBJECTS",
		"message": concat("", [
			"no new ", category, " may flow on the ", agreement.export_path,
			" path this year: the stream stops at the first one",
		]),
		"basis": cap.basis,
	}
}

# The new data subjects the data plane may still let through; only when the flow carries personal information.
subject_obligations := [{
	"type": "max_subjects",
	"subjects": caps.subjects.below - (input.cumulative.subjects + 1),
	"sensitive_subjects": caps.sensitive_subjects.below - (input.cumulative.sensitive_subjects + 1),
}] if {
	carries_pi
	count(caps) > 0
} else := []

carries := {"subjects": carries_pi, "sensitive_subjects": carries_sensitive}

# Does the flow, after the contract's drop_fields duty, carry (sensitive) personal information? asset.pi and
# asset.sensitive say so for the asset; asset.fields, when it names the (sensitive) PI fields, can show that
# every one of them is dropped. Pseudonymised and masked fields remain personal information (PIPL art. 4, 73).
default carries_pi := false

carries_pi if carries_sensitive

carries_pi if {
	input.standing.asset.pi == true
	not "pi" in dropped_kinds
}

carries_pi if "pi" in kept_kinds

default carries_sensitive := false

carries_sensitive if {
	input.standing.asset.sensitive == true
	not "sensitive" in dropped_kinds
}

carries_sensitive if "sensitive" in kept_kinds

asset_fields := object.get(input, ["standing", "asset", "fields"], {})

dropped := {field |
	some o in terms.obligations
	o.type == "drop_fields"
	some field in o.fields
}

# Kinds of personal information some field of the asset carries and the flow keeps.
kept_kinds contains kind if {
	some name, field in asset_fields
	some kind in field_kinds(field)
	not name in dropped
}

# Kinds of personal information the asset's fields name and the contract drops, every one.
dropped_kinds contains kind if {
	some field in asset_fields
	some kind in field_kinds(field)
	not kind in kept_kinds
}

# Sensitive personal information is personal information.
field_kinds(field) := {kind |
	some kind in ["pi", "sensitive"]
	object.get(field, kind, false) == true
} | {"pi" | object.get(field, "sensitive", false) == true}
