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
	now
	result := contract.decision with input as _contract_input with contract.now as now
} else := result if {
	# kouan.contract reports an invalid `now` too
	result := contract.decision with input as _contract_input
}

# The contract's input for this request. Its `now` is the gateway's, already read (contract.now above).
_contract_input := {
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
	dates.epoch_seconds(now) >= input.token.exp
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
