# METADATA
# title: Data-plane gateway
# description: |
#   May this data-plane request go through? Checks the transfer token against the attested peer, the agreement
#   and the transfer; re-evaluates the agreement's usage contract (kouan.contract) for this request; and keeps the
#   exporter's cumulative data-subject counts within what the agreement's export path allows, telling the
#   streaming data plane how many new data subjects and records it may still let through.
#   Input: policies/schemas/gateway-input.schema.json. Reason codes and their basis: docs/policy/gateway.md.
#
#   In two stages, like kouan.contract. `standing` reads what stays the same from one request to the next under a
#   transfer (the peer, the token, the agreement, the transfer, the asset, the exporter and the policy data);
#   kouan.gateway.per_request finishes the decision with the instant, the agreement's usage and the exporter's
#   cumulative counts. `decision` runs both; the gateway keeps each standing for the requests that share it.
package kouan.gateway

import data.kouan.contract
import data.kouan.gateway.per_request
import data.kouan.lib.dates

export_paths := {"forbidden", "security_assessment", "standard_contract_or_certification", "exempt"}

# METADATA
# title: Gateway decision
# description: The decision for one data-plane request; obligations are given only when allowed.
# entrypoint: true
decision := result if {
	terms := standing
	result := per_request.decision with input as object.union(_per_request_input, {"standing": terms})
}

_per_request_input := object.filter(_in, ["now", "usage", "cumulative"])

# METADATA
# title: Standing terms
# description: |
#   What the request's parties, token, agreement, transfer and asset decide by themselves (deny), with what
#   kouan.gateway.per_request needs of them: the contract's standing terms, the agreement's period, the token's
#   expiry, the export path's caps and the asset's classification.
# entrypoint: true
standing := {
	"reasons": sort(deny),
	"contract": contract_terms,
	"agreement": object.filter(_object(object.get(_in, "agreement", {})), ["start", "end", "export_path"]),
	"period": period,
	"token_exp": object.get(_in, ["token", "exp"], null),
	"token_expires": token_expires,
	"ciio": object.get(_in, ["exporter", "ciio"], null),
	"caps": caps,
	"asset": object.get(_in, "asset", {}),
}

# The token's exp as an instant (the first whole second at which it is expired), so that each request compares
# strings (kouan.gateway.per_request); null when exp is not a number in range, and then each request counts seconds.
token_expires := dates.instant_at(ceil(exp)) if {
	exp := object.get(_in, ["token", "exp"], null)
	is_number(exp)
} else := null

_object(value) := value if is_object(value)

else := {}

# The input where it is an object (the schema says it is; the decision is defined for any input all the same).
_in := _object(input)

contract_terms := terms if {
	terms := contract.standing with input as _contract_input
}

# The contract's input for the standing terms: the consumer is the attested peer; the purpose and the accepted
# duties are those the agreement recorded at negotiation. (The instant and the usage come per request.)
_contract_input := {
	"consumer": {
		"id": object.get(_in, ["peer", "participant_id"], null),
		"country": object.get(_in, ["peer", "country"], null),
	},
	"request": {
		"purpose": object.get(_in, ["agreement", "purpose"], null),
		"obligations_accepted": object.get(_in, ["agreement", "obligations_accepted"], []),
	},
	"policy": object.get(_in, ["agreement", "policy"], {}),
}

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
# title: Export forbidden
# custom:
#   code: GATEWAY_EXPORT_FORBIDDEN
deny contains reason if {
	input.agreement.export_path == "forbidden"
	reason := {
		"code": "GATEWAY_EXPORT_FORBIDDEN",
		"message": "the agreement's export path is forbidden: no data may leave",
		"basis": "agreement export_path (kouan.export: DSL art. 21, 25, 36; PIPL art. 41, 42; HGR Regs art. 28; Export Control Law arts. 2, 12)",
	}
}
