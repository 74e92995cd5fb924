# Export input checks
# The checks the policy itself makes on its input, so that a missing, malformed or contradictory term is refused
# (row 0) instead of silently making the flow look smaller or simpler. The schema
# (policies/schemas/export-input.schema.json) is validated by the caller first; these checks add what a schema
# cannot say (one member against another, codes against policy data). Callers treat row 0 as bad input, not as a
# refusal: the engine turns it into an input error (exit 2 on the command line) naming each problem.
# Fields are read with object.get: `not f(input.missing)` is not true in Rego, so a bare reference would let a
# missing field pass unnoticed.
package kouan.export

import data.kouan.lib.dates

_sensitive_kinds := {
	"biometrics", "religious_belief", "specific_identity", "medical_health",
	"financial_accounts", "whereabouts", "minors_under_14",
}

_scenarios := {
	null, "trade_no_pi", "transit", "contract_with_individual", "hr_management", "emergency",
	"statutory_duty", "treaty", "gba_standard_contract",
}

_count_fields := [
	["data", "pi", "subjects"],
	["data", "pi", "sensitive_subjects"],
	["data", "hgr", "sequencing_subjects"],
	["cumulative", "subjects"],
	["cumulative", "sensitive_subjects"],
]

_string_fields := [["recipient", "id"], ["recipient", "country"], ["data", "domain"], ["data", "purpose"]]

_boolean_fields := [["exporter", "ciio"], ["data", "hgr", "present"], ["data", "export_controlled"]]

# METADATA
# title: Row 0 — invalid input
# description: The input is not a lawful description of a flow abroad.
# custom:
#   code: EXPORT_INPUT_INVALID
#   basis: policies/schemas/export-input.schema.json and the policy's input checks (bad input, not a refusal)
#   row: 0
#   path: forbidden
_input_invalid := rego.metadata.rule()

table contains object.union(_row(_input_invalid), {
	"reason": {"message": msg, "problems": problems},
	"conditions": [_cond("the input fails the policy's input checks", count(problems) > 0)],
}) if {
	problems := sort(input_problems)
	msg := concat("", ["The input is invalid: ", concat("; ", problems), "."])
}

input_problems contains "now must be an RFC 3339 date-time with a UTC offset" if {
	not today
	not dates.instant(object.get(input, "now", null))
}

# A valid date-time whose Beijing calendar day falls outside the dates the policy compares (1970 through 9999).
input_problems contains concat("", ["now ", input.now, " falls on a Beijing calendar day outside 1970-01-01 through 9999-12-31"]) if {
	not today
	dates.instant(input.now)
}

input_problems contains concat("", [concat(".", field), " must be a non-empty string"]) if {
	some field in _string_fields
	not has_ref(object.get(input, field, null))
}

# Country codes are checked against the ISO 3166-1 alpha-2 list (data.countries): XX, UK and EU are not codes.
input_problems contains concat("", ["recipient.country ", country, " is not an ISO 3166-1 alpha-2 code"]) if {
	country := input.recipient.country
	is_string(country)
	not country in data.countries.alpha2
}

# A recipient in mainland China is not a recipient abroad: no export procedure applies, and applying the bands
# would count domestic flows against the exporter's export totals. Hong Kong, Macao and Taiwan are destinations.
input_problems contains "recipient.country is CN: a recipient in mainland China is not an export, so the export-path decision does not apply" if {
	input.recipient.country == "CN"
}

input_problems contains concat("", ["approvals.security_assessments[", format_int(i, 10), "].countries: ", c, " is neither an ISO 3166-1 alpha-2 code nor a group of data.country_groups"]) if {
	some i, a in input.approvals.security_assessments
	some c in a.countries
	not c in data.countries.alpha2
	not data.country_groups.groups[c]
}

input_problems contains "exporter.ftz must be null or a zone id" if {
	ftz := object.get(input, ["exporter", "ftz"], false)
	ftz != null
	not has_ref(ftz)
}

input_problems contains "recipient.kind must be organization or judicial_or_law_enforcement" if {
	not object.get(input, ["recipient", "kind"], null) in {"organization", "judicial_or_law_enforcement"}
}

input_problems contains "data.grade must be general, important or core" if {
	not object.get(input, ["data", "grade"], null) in {"general", "important", "core"}
}

input_problems contains "data.scenario must be null or a known scenario" if {
	not object.get(input, ["data", "scenario"], "(missing)") in _scenarios
}

input_problems contains "data.categories must be a non-empty array of strings" if not _categories_valid

_categories_valid if {
	count(input.data.categories) > 0
	every c in input.data.categories {
		is_string(c)
	}
}

input_problems contains concat("", [concat(".", field), " must be a non-negative integer"]) if {
	some field in array.concat(_count_fields, [["cumulative", "sequencing_subjects"]])
	value := object.get(input, field, 0)
	not _non_negative_integer(value)
}

# The required counts must be present (the optional cumulative.sequencing_subjects defaults to 0 above).
input_problems contains concat("", [concat(".", field), " is required"]) if {
	some field in _count_fields
	object.get(input, field, null) == null
}

_non_negative_integer(x) if {
	is_number(x)
	x >= 0
	x == round(x)
}

input_problems contains concat("", [concat(".", field), " must be true or false"]) if {
	some field in _boolean_fields
	not is_boolean(object.get(input, field, null))
}

# Optional exporter attributes: absent means false.
input_problems contains concat("", ["exporter.", field, " must be true or false"]) if {
	some field in ["gba", "state_organ", "foreign_controlled"]
	not is_boolean(object.get(input, ["exporter", field], false))
}

input_problems contains "data.pi.sensitive_subjects must not exceed data.pi.subjects" if {
	input.data.pi.sensitive_subjects > input.data.pi.subjects
}

input_problems contains "cumulative.sensitive_subjects must not exceed cumulative.subjects" if {
	input.cumulative.sensitive_subjects > input.cumulative.subjects
}

input_problems contains concat("", ["cumulative.category_subjects.", c, " must be a non-negative integer not above cumulative.subjects"]) if {
	some c, n in object.get(input, ["cumulative", "category_subjects"], {})
	not _category_count_valid(n)
}

_category_count_valid(n) if {
	_non_negative_integer(n)
	n <= input.cumulative.subjects
}

input_problems contains "data.pi.sensitive_kinds lists kinds but data.pi.sensitive_subjects is 0" if {
	count(input.data.pi.sensitive_kinds) > 0
	input.data.pi.sensitive_subjects == 0
}

input_problems contains "data.pi.sensitive_kinds is empty but data.pi.sensitive_subjects is above 0" if {
	count(input.data.pi.sensitive_kinds) == 0
	input.data.pi.sensitive_subjects > 0
}

input_problems contains "data.pi.sensitive_kinds has an unknown kind" if {
	some kind in input.data.pi.sensitive_kinds
	not kind in _sensitive_kinds
}

input_problems contains "data.hgr.sequencing_subjects > 0 requires data.hgr.present" if {
	input.data.hgr.sequencing_subjects > 0
	input.data.hgr.present != true
}

input_problems contains concat("", [member, " ", date, " must be a YYYY-MM-DD date from 1970-01-01 through 9999-12-31"]) if {
	some [member, date] in _approval_dates
	not dates.is_date(date)
}

# [member, date] of every date among the approvals, the member named as a path into the input.
_approval_dates contains [_member("security_assessments", i, "issued"), a.issued] if some i, a in input.approvals.security_assessments

_approval_dates contains [_member("security_assessments", i, "expires"), a.expires] if {
	some i, a in input.approvals.security_assessments
	a.expires != null
}

_approval_dates contains [_member("security_assessments", i, "extended_until"), a.extended_until] if {
	some i, a in input.approvals.security_assessments
	a.extended_until != null
}

_approval_dates contains [_member("standard_contracts", i, "effective"), c.effective] if some i, c in input.approvals.standard_contracts

_approval_dates contains [_member("certifications", i, "issued"), c.issued] if some i, c in input.approvals.certifications

_approval_dates contains [_member("pipias", i, "date"), p.date] if some i, p in input.approvals.pipias

_member(list, i, field) := concat("", ["approvals.", list, "[", format_int(i, 10), "].", field])
