# METADATA
# title: Export path
# description: |
#   Decides the legal export path of a cross-border data flow from China and whether it is open now
#   (docs/policy/export.md). The first matching row of the decision table (rows.rego) decides
#   the path; the allow conditions of that path are in conditions.rego. Input: policies/schemas/export-input.schema.json.
#   Reasons carry effect "deny" (a refusal) or "info" (explains the path); a refusal always carries a deny reason.
package kouan.export

import data.kouan.lib.dates

# METADATA
# title: Export decision
# description: The path, whether the flow may go now, and why.
# entrypoint: true
decision := {
	"path": path,
	"allow": allow,
	"reasons": reasons,
	"warnings": _by_code(warn),
	"obligations": _by_code(obligation),
}

default allow := false

allow if {
	decided
	count(deny) == 0
}

# The decision-table row that decides: the matching row with the lowest number.
decided := row if {
	first := min({r.row | some r in matched_rows})
	some row in matched_rows
	row.row == first
}

# One of forbidden, security_assessment, standard_contract_or_certification, exempt.
default path := "forbidden"

path := decided.path

# The deciding row's reason first, then the refusals of the path's allow conditions by code.
reasons := array.concat([decided.reason], _by_code({r | some r in deny; r != decided.reason})) if decided

reasons := _by_code(deny) if not decided

deny contains decided.reason if path == "forbidden"

# METADATA
# title: No row matched
# description: No row of the decision table matched this flow, so it is refused.
# custom:
#   code: EXPORT_UNDECIDED
#   basis: the export decision table (fail closed when no row applies)
_undecided := _reason(rego.metadata.rule(), "deny")

deny contains _undecided if not decided

# The Beijing calendar date of input.now, "YYYY-MM-DD": dates compare as strings (kouan.lib.dates).
today := dates.beijing_date(input.now)

total_subjects := input.cumulative.subjects + input.data.pi.subjects

total_sensitive := input.cumulative.sensitive_subjects + input.data.pi.sensitive_subjects

# HGR sequencing subjects the 500-person threshold counts: by default those provided this year, this flow included
# (cumulative.sequencing_subjects is optional); with export_readings.hgr_sequencing_threshold "per_dataset", this flow's.
total_sequencing := input.data.hgr.sequencing_subjects if {
	_hgr_sequencing_reading == "per_dataset"
} else := object.get(input, ["cumulative", "sequencing_subjects"], 0) + input.data.hgr.sequencing_subjects

default _hgr_sequencing_reading := "per_year"

_hgr_sequencing_reading := data.export_readings.hgr_sequencing_threshold

default has_pi := false

has_pi if input.data.pi.subjects > 0

default ciio := false

ciio if input.exporter.ciio == true

# A reference is on record when it is a non-blank string ("" and null are placeholders).
has_ref(x) if {
	is_string(x)
	trim_space(x) != ""
}

_path_open if {
	decided
	path != "forbidden"
}

_th := data.thresholds

_reason(meta, effect) := {
	"code": meta.custom.code,
	"message": meta.description,
	"basis": meta.custom.basis,
	"effect": effect,
}

_note(meta) := {"code": meta.custom.code, "message": meta.description, "basis": meta.custom.basis}

_by_code(s) := [x | some code in sort({y.code | some y in s}); some x in s; x.code == code]
