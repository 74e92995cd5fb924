# METADATA
# title: Data-plane gateway
# description: |
#   May this data-plane request go through? Checks the transfer token against the attested peer, the agreement
#   and the transfer; re-evaluates the agreement's usage contract (kouan.contract) for this request; and keeps the
#   exporter's cumulative data-subject counts within what the agreement's export path allows, telling the
#   streaming data plane how many new data subjects and records it may still let through.
#   Input: policies/schemas/gateway-input.schema.json. Reason codes and their basis: docs/policy/gateway.md.
package kouan.gateway

import data.kouan.contract
import data.kouan.lib.dates

export_paths := {"forbidden", "security_assessment", "standard_contract_or_certification", "exempt"}

# METADATA
# title: Gateway decision
# description: The decision the data plane queries for each request; obligations are given only when allowed.
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

# The agreement's usage contract, evaluated for this request: the consumer is the attested peer; the purpose
# and the accepted duties are those the agreement recorded at negotiation.
terms := result if {
	result := contract.decision with input as {
		"now": object.get(input, "now", null),
		"consumer": {
			"id": object.get(input, ["peer", "participant_id"], null),
			"country": object.get(input, ["peer", "country"], null),
		},
		"request": {
			"purpose": object.get(input, ["agreement", "purpose"], null),
			"obligations_accepted": object.get(input, ["agreement", "obligations_accepted"], []),
		},
		"policy": object.get(input, ["agreement", "policy"], {}),
		"usage": object.get(input, "usage", {}),
	}
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
# title: Malformed input
# custom:
#   code: GATEWAY_INPUT_INVALID
deny contains reason if {
	some problem in input_problems
	reason := {"code": "GATEWAY_INPUT_INVALID", "message": problem, "basis": "kouan.gateway input schema"}
}

# METADATA
# title: Agreement not active
# custom:
#   code: GATEWAY_AGREEMENT_NOT_ACTIVE
deny contains reason if {
	not input.agreement.state == "FINALIZED"
	reason := {
		"code": "GATEWAY_AGREEMENT_NOT_ACTIVE",
		"message": concat("", ["the agreement is ", state_of("agreement"), ", not FINALIZED"]),
		"basis": "Dataspace Protocol contract negotiation: only a FINALIZED agreement is in force",
	}
}

# METADATA
# title: Agreement not started
# custom:
#   code: GATEWAY_AGREEMENT_NOT_STARTED
deny contains reason if {
	now < period.start
	reason := {
		"code": "GATEWAY_AGREEMENT_NOT_STARTED",
		"message": concat("", ["the agreement starts at ", input.agreement.start, "; now is ", input.now]),
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
		"message": concat("", ["the agreement ended at ", input.agreement.end, "; now is ", input.now]),
		"basis": "agreement end",
	}
}

# METADATA
# title: Transfer suspended
# custom:
#   code: GATEWAY_TRANSFER_SUSPENDED
deny contains reason if {
	input.transfer.state == "SUSPENDED"
	reason := {
		"code": "GATEWAY_TRANSFER_SUSPENDED",
		"message": "the transfer is SUSPENDED",
		"basis": "Dataspace Protocol transfer process: data flows only while STARTED",
	}
}

# METADATA
# title: Transfer not active
# custom:
#   code: GATEWAY_TRANSFER_NOT_ACTIVE
deny contains reason if {
	not transfer_started_or_suspended
	reason := {
		"code": "GATEWAY_TRANSFER_NOT_ACTIVE",
		"message": concat("", ["the transfer is ", state_of("transfer"), ", not STARTED"]),
		"basis": "Dataspace Protocol transfer process: data flows only while STARTED",
	}
}

# METADATA
# title: Transfer of another agreement
# custom:
#   code: GATEWAY_TRANSFER_AGREEMENT_MISMATCH
deny contains reason if {
	not input.transfer.agreement_id == input.agreement.id
	reason := {
		"code": "GATEWAY_TRANSFER_AGREEMENT_MISMATCH",
		"message": "the transfer does not belong to the agreement",
		"basis": "Dataspace Protocol transfer process: a transfer runs under one agreement",
	}
}

# METADATA
# title: Token for another transfer
# custom:
#   code: GATEWAY_TOKEN_TRANSFER_MISMATCH
deny contains reason if {
	not token_bound
	reason := {
		"code": "GATEWAY_TOKEN_TRANSFER_MISMATCH",
		"message": "the token's transfer_id or agreement_id is not this transfer's",
		"basis": "transfer access token: issued for one transfer under one agreement",
	}
}

# METADATA
# title: Token subject is not the peer
# custom:
#   code: GATEWAY_TOKEN_SUBJECT_MISMATCH
deny contains reason if {
	not input.token.sub == input.peer.participant_id
	reason := {
		"code": "GATEWAY_TOKEN_SUBJECT_MISMATCH",
		"message": "the token's sub is not the participant of the TLS certificate",
		"basis": "RFC 7519 sec. 4.1.2; RFC 8705: the token is bound to the presenting participant",
	}
}

# METADATA
# title: Peer is not the consumer
# custom:
#   code: GATEWAY_PEER_NOT_CONSUMER
deny contains reason if {
	not input.peer.participant_id == input.agreement.consumer
	reason := {
		"code": "GATEWAY_PEER_NOT_CONSUMER",
		"message": "the TLS peer is not the agreement's consumer",
		"basis": "agreement consumer",
	}
}

# METADATA
# title: Token for another audience
# custom:
#   code: GATEWAY_TOKEN_AUDIENCE_MISMATCH
deny contains reason if {
	not audience_is_provider
	reason := {
		"code": "GATEWAY_TOKEN_AUDIENCE_MISMATCH",
		"message": "the token's aud is not the agreement's provider",
		"basis": "RFC 7519 sec. 4.1.3",
	}
}

# METADATA
# title: Token expired
# custom:
#   code: GATEWAY_TOKEN_EXPIRED
deny contains reason if {
	dates.epoch_seconds(input.now) >= input.token.exp
	reason := {
		"code": "GATEWAY_TOKEN_EXPIRED",
		"message": concat("", [
			"the token expired at ", format_int(input.token.exp, 10), " (epoch seconds); now is ", input.now,
		]),
		"basis": "RFC 7519 sec. 4.1.4",
	}
}

# METADATA
# title: Export forbidden
# custom:
#   code: GATEWAY_EXPORT_FORBIDDEN
deny contains reason if {
	input.agreement.export_path == "forbidden"
	reason := {
		"code": "GATEWAY_EXPORT_FORBIDDEN",
		"message": "the agreement's export path is forbidden: no data may leave",
		"basis": "agreement export_path (kouan.export: DSL art. 21, 25, 36; PIPL art. 41, 42; HGR Regs art. 28)",
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
	input.exporter.ciio == true
	carries_pi
	input.agreement.export_path != "security_assessment"
	reason := {
		"code": "GATEWAY_CIIO_REQUIRES_ASSESSMENT",
		"message": concat("", [
			"the exporter is a CIIO: personal information needs the security_assessment path, not ",
			input.agreement.export_path,
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
			") reached the ", input.agreement.export_path, " cap (fewer than ", format_int(cap.below, 10), ")",
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
			"no new ", category, " may flow on the ", input.agreement.export_path,
			" path this year: the stream stops at the first one",
		]),
		"basis": cap.basis,
	}
}

# Instants as strings that order as the times they name (kouan.lib.dates).
now := dates.instant(input.now)

period[key] := dates.instant(input.agreement[key]) if some key in ["start", "end"]

# As rules, so that a missing value makes them false: a negated membership test on it would refuse nothing.
transfer_started_or_suspended if input.transfer.state in {"STARTED", "SUSPENDED"}

known_export_path if input.agreement.export_path in export_paths

token_bound if {
	input.token.transfer_id == input.transfer.id
	input.token.agreement_id == input.agreement.id
}

# aud is one audience or a list of them (RFC 7519 sec. 4.1.3).
audience_is_provider if input.token.aud == input.agreement.provider

audience_is_provider if {
	is_array(input.token.aud)
	input.agreement.provider in input.token.aud
}

state_of(entity) := json.marshal(object.get(input, [entity, "state"], null))

# The caps each export path puts on the exporter's distinct data subjects this year, as exclusive bounds:
# the cumulative count including this flow must stay below them. Security assessment has no numeric cap, nor
# does an exempt flow that is not counted (scenario exemptions, Provisions art. 3, 4, 5(1)-(3), 6).
path_caps := {
	"exempt": {
		"subjects": {"below": data.thresholds.pi_subjects_standard_contract, "basis": "Provisions art. 5(4); art. 8"},
		"sensitive_subjects": {"below": 1, "basis": "Provisions art. 5(4); art. 8"},
	},
	"standard_contract_or_certification": {
		"subjects": {"below": data.thresholds.pi_subjects_security_assessment, "basis": "Provisions art. 8; art. 7(2)"},
		"sensitive_subjects": {
			"below": data.thresholds.sensitive_subjects_security_assessment,
			"basis": "Provisions art. 8; art. 7(2)",
		},
	},
}

default caps := {}

caps := path_caps[input.agreement.export_path] if {
	object.get(input, ["agreement", "counted"], true) != false
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
	input.asset.pi == true
	not "pi" in dropped_kinds
}

carries_pi if "pi" in kept_kinds

default carries_sensitive := false

carries_sensitive if {
	input.asset.sensitive == true
	not "sensitive" in dropped_kinds
}

carries_sensitive if "sensitive" in kept_kinds

asset_fields := object.get(input, ["asset", "fields"], {})

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

input_problems contains concat("", ["agreement.", key, " is not an RFC 3339 date-time"]) if {
	some key in ["start", "end"]
	not period[key]
}

input_problems contains concat("", [concat(".", path), " is not a string"]) if {
	some path in [
		["token", "sub"], ["token", "transfer_id"], ["token", "agreement_id"],
		["agreement", "id"], ["agreement", "provider"], ["agreement", "consumer"],
		["transfer", "id"], ["transfer", "agreement_id"],
	]
	not is_string(object.get(input, path, null))
}

input_problems contains "token.exp is not a number" if not is_number(object.get(input, ["token", "exp"], null))

input_problems contains concat("", ["cumulative.", key, " is not a non-negative integer"]) if {
	some key in ["subjects", "sensitive_subjects"]
	not contract.count_value(object.get(input, ["cumulative", key], null))
}

input_problems contains concat("", ["asset.", key, " is not a boolean"]) if {
	some key in ["pi", "sensitive"]
	not is_boolean(object.get(input, ["asset", key], null))
}

input_problems contains "exporter.ciio is not a boolean" if {
	not is_boolean(object.get(input, ["exporter", "ciio"], null))
}

input_problems contains "exporter.id is not the agreement's provider" if {
	not input.exporter.id == input.agreement.provider
}

input_problems contains "agreement.export_path is not a known export path" if not known_export_path
