# The request as the gateway reads it: instants, identities and states, and the checks on the input.
package kouan.gateway

import data.kouan.lib.dates

# Instants as strings that order as the times they name (kouan.lib.dates).
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

input_problems contains concat("", ["agreement.", key, " is not an RFC 3339 date-time"]) if {
	some key in ["start", "end"]
	not period[key]
}

input_problems contains concat("", [concat(".", path), " is not a string"]) if {
	not _ids_are_strings
	some path in [
		["token", "sub"], ["token", "transfer_id"], ["token", "agreement_id"],
		["agreement", "id"], ["agreement", "provider"], ["agreement", "consumer"],
		["transfer", "id"], ["transfer", "agreement_id"],
	]
	not is_string(object.get(input, path, null))
}

# The common case in one pass, before the paths are looked at one by one.
_ids_are_strings if {
	is_string(input.token.sub)
	is_string(input.token.transfer_id)
	is_string(input.token.agreement_id)
	is_string(input.agreement.id)
	is_string(input.agreement.provider)
	is_string(input.agreement.consumer)
	is_string(input.transfer.id)
	is_string(input.transfer.agreement_id)
}

input_problems contains "token.exp is not a number" if not is_number(object.get(input, ["token", "exp"], null))

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
