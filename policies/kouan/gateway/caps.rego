# The caps of the agreement's export path on the exporter's data subjects this year, and whether this flow
# carries (sensitive) personal information once the contract's drop_fields duty is applied.
package kouan.gateway

# The caps each export path puts on the exporter's distinct data subjects this year, as exclusive bounds:
# the cumulative count including this flow must stay below them. Security assessment has no numeric cap, nor
# does an exempt flow that is not counted (scenario exemptions, Provisions art. 3, 4, 5(1)-(3), 6).
# (One function body per path, so that only the path's own caps are built.)
path_caps("exempt") := {
	"subjects": {"below": data.thresholds.pi_subjects_standard_contract, "basis": "Provisions art. 5(4); art. 8"},
	"sensitive_subjects": {"below": 1, "basis": "Provisions art. 5(4); art. 8"},
}

path_caps("standard_contract_or_certification") := {
	"subjects": {"below": data.thresholds.pi_subjects_security_assessment, "basis": "Provisions art. 8; art. 7(2)"},
	"sensitive_subjects": {
		"below": data.thresholds.sensitive_subjects_security_assessment,
		"basis": "Provisions art. 8; art. 7(2)",
	},
}

default caps := {}

caps := path_caps(input.agreement.export_path) if {
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
