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
