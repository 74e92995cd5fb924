package kouan.export_test

import data.kouan.export

problems(patch) := p if {
	p := export.input_problems with input as object.union(base_input, patch)
}

refused_as_invalid(patch) if {
	d := export.decision with input as object.union(base_input, patch)
	d.path == "forbidden"
	deny_codes(d) == ["EXPORT_INPUT_INVALID"]
}

test_base_input_is_valid if count(problems({})) == 0

test_missing_domain_or_purpose_is_invalid if {
	problems({"data": {"domain": ""}}) == {"data.domain must be a non-empty string"}
	d := export.decision with input as json.remove(base_input, ["data/purpose"])
	deny_codes(d) == ["EXPORT_INPUT_INVALID"]
}

test_missing_or_malformed_ftz_is_invalid if {
	problems({"exporter": {"ftz": 7}}) == {"exporter.ftz must be null or a zone id"}
	d := export.decision with input as json.remove(base_input, ["exporter/ftz"])
	deny_codes(d) == ["EXPORT_INPUT_INVALID"]
}

test_missing_prc_approval_counts_as_none if {
	d := export.decision with input as json.remove(
		object.union(base_input, {"recipient": {"kind": "judicial_or_law_enforcement"}}),
		["recipient/prc_approval"],
	)
	deny_codes(d) == ["EXPORT_JUDICIAL_RECIPIENT"]
}

test_missing_filing_ref_counts_as_none if {
	i := case_input("scc_contract_unfiled_10_working_days")
	d := export.decision with input as json.remove(i, ["approvals/standard_contracts/0/filing_ref"])
	d.allow
	count(d.obligations) == 1
}

test_blank_recipient_id_is_invalid if {
	problems({"recipient": {"id": " "}}) == {"recipient.id must be a non-empty string"}
	refused_as_invalid({"recipient": {"id": " "}})
}

test_unknown_recipient_kind_is_invalid if {
	problems({"recipient": {"kind": "court"}}) == {"recipient.kind must be organization or judicial_or_law_enforcement"}
}

test_missing_scenario_is_invalid if {
	d := export.decision with input as json.remove(base_input, ["data/scenario"])
	deny_codes(d) == ["EXPORT_INPUT_INVALID"]
}

test_empty_categories_are_invalid if {
	problems({"data": {"categories": []}}) == {"data.categories must be a non-empty array of strings"}
	problems({"data": {"categories": ["clinical_trial", 7]}}) == {"data.categories must be a non-empty array of strings"}
}

test_negative_or_fractional_counts_are_invalid if {
	"cumulative.subjects must be a non-negative integer" in problems({"cumulative": {"subjects": -1}})
	"data.hgr.sequencing_subjects must be a non-negative integer" in problems({"data": {"hgr": {"present": true, "sequencing_subjects": 1.5}}})
	problems({"cumulative": {"sequencing_subjects": "many"}}) == {"cumulative.sequencing_subjects must be a non-negative integer"}
	refused_as_invalid({"cumulative": {"subjects": -1}})
}

test_missing_count_is_invalid if {
	"cumulative.subjects is required" in problems({"cumulative": {"subjects": null}})
	d := export.decision with input as json.remove(base_input, ["cumulative/sensitive_subjects"])
	deny_codes(d) == ["EXPORT_INPUT_INVALID"]
}

test_missing_boolean_is_invalid if {
	problems({"exporter": {"ciio": "no"}}) == {"exporter.ciio must be true or false"}
	d := export.decision with input as json.remove(base_input, ["data/export_controlled"])
	deny_codes(d) == ["EXPORT_INPUT_INVALID"]
}

test_cumulative_sensitive_above_subjects_is_invalid if {
	problems({"cumulative": {"subjects": 5, "sensitive_subjects": 6}}) == {"cumulative.sensitive_subjects must not exceed cumulative.subjects"}
}

test_sensitive_kinds_must_match_sensitive_count if {
	problems({"data": {"pi": {"sensitive_kinds": ["biometrics"]}}}) == {"data.pi.sensitive_kinds lists kinds but data.pi.sensitive_subjects is 0"}
	problems({"data": {"pi": {"sensitive_subjects": 3}}}) == {"data.pi.sensitive_kinds is empty but data.pi.sensitive_subjects is above 0"}
}

test_unknown_sensitive_kind_is_invalid if {
	problems({"data": {"pi": {"sensitive_subjects": 3, "sensitive_kinds": ["shoe_size"]}}}) == {"data.pi.sensitive_kinds has an unknown kind"}
}

test_sequencing_without_hgr_flag_is_invalid if {
	problems({"data": {"hgr": {"sequencing_subjects": 600}}}) == {"data.hgr.sequencing_subjects > 0 requires data.hgr.present"}
}

test_malformed_expiry_is_invalid if {
	a := {"ref": "CAC-SA-1", "issued": "2025-01-01", "expires": "2028-02-30", "recipients": [], "countries": [], "purposes": [], "categories": []}
	problems({"approvals": {"security_assessments": [a]}}) == {"approvals.security_assessments[0].expires 2028-02-30 must be a YYYY-MM-DD date from 1970-01-01 through 9999-12-31"}
}

test_vectors_cover_every_case_once if {
	names := [v.name | some v in vectors]
	count(names) == count([n | some n, c in cases; not c.schema_invalid])
	count({n | some n in names}) == count(names)
	count(vectors) >= 40
	every v in vectors {
		v.expect.codes == sort(v.expect.codes)
	}
}
