# Export decision table
# Rows 1-16 of the decision table in docs/policy/export.md (row 0, invalid input, is in input.rego). Each row is one
# element of `table`: its reason (from the METADATA of the rule that holds it) and its conditions, each a sentence and
# whether it holds for this input. A row matches when all its conditions hold (matched_rows); the lowest matching row
# decides the path. `explain` (explain.rego) shows the same conditions, so the audit and the decision cannot drift.
# The thresholds come from data.thresholds and compare the exporter's totals this year (cumulative + this flow).
package kouan.export

_row(meta) := {"row": meta.custom.row, "path": meta.custom.path, "title": meta.title, "reason": _reason(meta, _effect(meta.custom.path))}

# A row's condition: what must hold, and whether it does (a boolean, never undefined for valid input).
_cond(text, holds) := {"text": text, "holds": holds}

# The rows that match: every condition holds.
matched_rows contains object.remove(t, ["conditions", "title"]) if {
	some t in table
	every c in t.conditions {
		c.holds == true
	}
}

_on_record(x) if has_ref(x)

else := false

_is_general := input.data.grade == "general"

_scenario_is(name) := input.data.scenario == name

_effect("forbidden") := "deny"

_effect(p) := "info" if p != "forbidden"

# METADATA
# title: Row 1 — foreign judicial or law-enforcement body
# description: The recipient is a foreign judicial or law-enforcement body and no PRC approval is on record.
# custom:
#   code: EXPORT_JUDICIAL_RECIPIENT
#   basis: DSL art. 36; PIPL art. 41
#   row: 1
#   path: forbidden
_judicial_recipient := _row(rego.metadata.rule())

table contains object.union(_judicial_recipient, {"conditions": [
	_cond("the recipient is a foreign judicial or law-enforcement body", input.recipient.kind == "judicial_or_law_enforcement"),
	_cond("no PRC approval for providing data to it is on record", _on_record(object.get(input, ["recipient", "prc_approval"], null)) == false),
]})

# METADATA
# title: Row 2 — restricted recipient
# description: The recipient is on the restricted or prohibited list as it stands today, and the entry's scope and measure bar this flow.
# custom:
#   code: EXPORT_RESTRICTED_RECIPIENT
#   basis: PIPL art. 42
#   row: 2
#   path: forbidden
_restricted_recipient := _row(rego.metadata.rule())

table contains object.union(_restricted_recipient, {"conditions": [
	_cond("the recipient is on the restricted or prohibited list", object.get(data.restricted_recipients.recipients, input.recipient.id, null) != null),
	_cond("its entry is in force today (from its listing date, not lifted)", _listing_in_force),
	_cond("the entry's scope covers this flow (all data, or personal information and the flow carries it)", _listing_scope_covers),
	_cond("the entry's measure bars this flow (prohibit, or restrict beyond what it permits)", _listing_measure_bars),
]})

# An entry's scope is personal_information (PIPL art. 42 speaks of providing PI) or all_data; an entry that does not
# say covers all data (fail closed).
default _listing_scope_covers := false

_listing_scope_covers if object.get(restricted_listing, "scope", "all_data") != "personal_information"

_listing_scope_covers if {
	restricted_listing.scope == "personal_information"
	has_pi
}

# An entry's measure is prohibit (the default when absent) or restrict. A restriction bars every flow under the
# default reading export_readings.restricted_list_restrict "prohibit"; under "permits" it bars only flows whose
# purpose or a category is outside the entry's `permits` (an entry without permits bars every flow).
default _listing_measure_bars := false

_listing_measure_bars if object.get(restricted_listing, "measure", "prohibit") != "restrict"

_listing_measure_bars if {
	restricted_listing.measure == "restrict"
	not _restriction_permits_flow
}

_restriction_permits_flow if {
	_restrict_reading == "permits"
	permits := restricted_listing.permits
	input.data.purpose in permits.purposes
	every c in input.data.categories {
		c in permits.categories
	}
}

default _restrict_reading := "prohibit"

_restrict_reading := data.export_readings.restricted_list_restrict

default _listing_in_force := false

_listing_in_force if restricted_listing

# The list entry of the recipient in force today: from its listing date (`from`, inclusive) up to the day it was
# lifted (`until`, exclusive). Replaying a past decision thus uses the list as it stood on that `now`.
restricted_listing := entry if {
	entry := data.restricted_recipients.recipients[input.recipient.id]
	object.get(entry, "from", "") <= today
	_not_lifted(object.get(entry, "until", null))
}

_not_lifted(null)

_not_lifted(until) if today < until

# METADATA
# title: Row 3 — core data
# description: Core data falls under stricter export rules that have not been published, so no export route exists yet; the flow is held until one is.
# custom:
#   code: EXPORT_CORE_DATA
#   basis: DSL art. 21; NDSR art. 63 (stricter rules, none published)
#   row: 3
#   path: forbidden
_core_data := _row(rego.metadata.rule())

table contains object.union(_core_data, {"conditions": [_cond("the data is graded core", input.data.grade == "core")]})

# METADATA
# title: Row 4 — human genetic resources without approval
# description: The flow carries human genetic resources information and no HGR approval or filing reference for this recipient is on record.
# custom:
#   code: EXPORT_HGR_APPROVAL_MISSING
#   basis: HGR Regs art. 28; Impl. Rules art. 36
#   row: 4
#   path: forbidden
_hgr_approval_missing := _row(rego.metadata.rule())

table contains object.union(_hgr_approval_missing, {"conditions": [
	_cond("the flow carries human genetic resources information", input.data.hgr.present == true),
	_cond("no HGR approval or filing for this recipient is on record", _hgr_approval == false),
	_cond("the exporter is not foreign-controlled (that rule of row 4 decides)", _foreign_controlled == false),
]})

# METADATA
# title: Row 4 — human genetic resources, foreign-controlled exporter
# description: The exporter is a foreign organization or an institution it set up or actually controls, and may not provide China's human genetic resources abroad at all, approval or not.
# custom:
#   code: EXPORT_HGR_FOREIGN_CONTROLLED
#   basis: HGR Regs art. 7
#   row: 4
#   path: forbidden
_hgr_foreign_controlled := _row(rego.metadata.rule())

table contains object.union(_hgr_foreign_controlled, {"conditions": [
	_cond("the flow carries human genetic resources information", input.data.hgr.present == true),
	_cond("the exporter is foreign-controlled (exporter.foreign_controlled)", _foreign_controlled),
]})

default _foreign_controlled := false

_foreign_controlled if input.exporter.foreign_controlled == true

default _hgr_approval := false

_hgr_approval if {
	some a in input.approvals.hgr_approvals
	has_ref(a.ref)
	a.recipient == input.recipient.id
}

# METADATA
# title: Row 5 — export-controlled data without licence
# description: The data is export-controlled and no export licence for this recipient is on record.
# custom:
#   code: EXPORT_LICENCE_MISSING
#   basis: Export Control Law arts. 2, 12; DSL art. 25
#   row: 5
#   path: forbidden
_licence_missing := _row(rego.metadata.rule())

table contains object.union(_licence_missing, {"conditions": [
	_cond("the data is export-controlled", input.data.export_controlled == true),
	_cond("no export licence for this recipient is on record", _export_licence == false),
]})

default _export_licence := false

_export_licence if {
	some l in input.approvals.export_licences
	has_ref(l.ref)
	l.recipient == input.recipient.id
}

# METADATA
# title: Row 6 — PI collected abroad and sent back
# description: Personal information collected abroad, processed in China and sent back with nothing domestic added is exempt for every exporter, free-trade-zone lists included, as such data is not domestic important data.
# custom:
#   code: EXPORT_SCENARIO_TRANSIT
#   basis: Provisions art. 4
#   row: 6
#   path: exempt
_scenario_transit := _row(rego.metadata.rule())

table contains object.union(_scenario_transit, {"conditions": [
	_not_state_organ_pi,
	_cond("the scenario claimed is transit", _scenario_is("transit")),
	_cond("the data is graded general (nothing domestic added)", _is_general),
]})

# METADATA
# title: Row 6 — foreign judicial body with PRC approval
# description: The recipient is a foreign judicial or law-enforcement body and the competent PRC authority approved providing the data to it; under the reading judicial_approval replace, that approval takes the place of the assessment, contract and free-trade-zone procedures (the every-path conditions still apply).
# custom:
#   code: EXPORT_JUDICIAL_RECIPIENT_APPROVED
#   basis: DSL art. 36; PIPL art. 41
#   row: 6
#   path: exempt
_judicial_recipient_approved := _row(rego.metadata.rule())

table contains object.union(_judicial_recipient_approved, {"conditions": [
	_cond("the recipient is a foreign judicial or law-enforcement body", input.recipient.kind == "judicial_or_law_enforcement"),
	_cond("a PRC approval for providing data to it is on record", _on_record(object.get(input, ["recipient", "prc_approval"], null))),
	_cond("the reading judicial_approval is replace (default add: the approval adds to the export procedures)", _judicial_approval_reading == "replace"),
	_cond("the scenario claimed is not transit (row 6's other rule)", _scenario_is("transit") == false),
]})

default _judicial_approval_reading := "add"

_judicial_approval_reading := data.export_readings.judicial_approval

# METADATA
# title: Row 7 — free trade zone, entry designating important data
# description: The exporter (not a CIIO) sits in a free trade zone and the data matches a negative-list entry that designates important data; the strictest path named by those entries applies.
# custom:
#   code: EXPORT_FTZ_LISTED
#   basis: Provisions art. 6; NDSR art. 37
#   row: 7
_ftz_listed := rego.metadata.rule()

table contains object.union(_ftz_row(_ftz_listed, ftz_important_matches), {"conditions": array.concat(_ftz_conditions, [
	_cond("an entry that designates important data matches the flow (domain, a category, its threshold)", count(ftz_important_matches) > 0),
])})

_ftz_conditions := [
	_cond("the exporter is not a CIIO", ciio == false),
	_cond("the exporter's free trade zone has a negative list loaded", _ftz_zone_listed),
]

default _ftz_zone_listed := false

_ftz_zone_listed if data.ftz_negative_lists.zones[input.exporter.ftz]

# The row of matching entries: the strictest path they name, their ids in the message. Without entries (the row does
# not match), the path the entries would name is "forbidden" as a placeholder: an unmatched row decides nothing.
_ftz_row(meta, entries) := {"row": meta.custom.row, "path": p, "title": meta.title, "reason": object.union(_reason(meta, _effect(p)), {"message": msg})} if {
	p := _strictest_path(entries)
	msg := concat("", [meta.description, " Entries: ", _entry_ids(entries), "."])
}

_strictest_path(entries) := p if {
	top := max({object.get(_path_rank, e.path, 3) | some e in entries})
	some p, rank in _path_rank
	rank == top
} else := "forbidden"

# METADATA
# title: Row 8 — trade and similar data without PI
# description: Trade, transport, academic, manufacturing or marketing data with no personal information and no important data is exempt.
# custom:
#   code: EXPORT_SCENARIO_TRADE_NO_PI
#   basis: Provisions art. 3
#   row: 8
#   path: exempt
_scenario_trade_no_pi := _row(rego.metadata.rule())

table contains object.union(_scenario_trade_no_pi, {"conditions": [
	_cond("the scenario claimed is trade_no_pi", _scenario_is("trade_no_pi")),
	_cond("the flow carries no personal information", has_pi == false),
	_cond("the data is graded general", _is_general),
]})

# METADATA
# title: Row 9 — contract with the individual
# description: Personal information necessary to conclude or perform a contract with the individual, without important data, is exempt, free-trade-zone entries on personal information included, as arts. 7-8 yield to arts. 3-6.
# custom:
#   code: EXPORT_SCENARIO_CONTRACT_WITH_INDIVIDUAL
#   basis: Provisions art. 5(1)
#   row: 9
#   path: exempt
_scenario_contract_with_individual := _row(rego.metadata.rule())

table contains object.union(_scenario_contract_with_individual, {"conditions": [
	_not_state_organ_pi,
	_cond("the scenario claimed is contract_with_individual", _scenario_is("contract_with_individual")),
	_cond("the data is graded general (no important data)", _is_general),
]})

# METADATA
# title: Row 9 — cross-border HR management
# description: Employee personal information necessary for cross-border human-resources management, without important data, is exempt, free-trade-zone entries on personal information included, as arts. 7-8 yield to arts. 3-6.
# custom:
#   code: EXPORT_SCENARIO_HR_MANAGEMENT
#   basis: Provisions art. 5(2)
#   row: 9
#   path: exempt
_scenario_hr_management := _row(rego.metadata.rule())

table contains object.union(_scenario_hr_management, {"conditions": [
	_not_state_organ_pi,
	_cond("the scenario claimed is hr_management", _scenario_is("hr_management")),
	_cond("the data is graded general (no important data)", _is_general),
]})

# METADATA
# title: Row 9 — emergency
# description: Personal information necessary in an emergency to protect life, health or property, without important data, is exempt, free-trade-zone entries on personal information included, as arts. 7-8 yield to arts. 3-6.
# custom:
#   code: EXPORT_SCENARIO_EMERGENCY
#   basis: Provisions art. 5(3)
#   row: 9
#   path: exempt
_scenario_emergency := _row(rego.metadata.rule())

table contains object.union(_scenario_emergency, {"conditions": [
	_not_state_organ_pi,
	_cond("the scenario claimed is emergency", _scenario_is("emergency")),
	_cond("the data is graded general (no important data)", _is_general),
]})

# METADATA
# title: Row 9 — statutory duty
# description: Personal information that must be provided abroad to perform a statutory duty or obligation, without important data, may be provided on that basis; the provision imposing the duty is on record (data.scenario_ref). The flow counts towards the exporter's totals.
# custom:
#   code: EXPORT_STATUTORY_DUTY
#   basis: NDSR art. 35(6)
#   row: 9
#   path: exempt
_statutory_duty := _row(rego.metadata.rule())

table contains object.union(_statutory_duty, {"conditions": [
	_not_state_organ_pi,
	_cond("the scenario claimed is statutory_duty", _scenario_is("statutory_duty")),
	_cond("the provision imposing the duty is on record (data.scenario_ref)", _scenario_ref_on_record),
	_cond("the data is graded general (no important data)", _is_general),
]})

# METADATA
# title: Row 9 — treaty conditions
# description: Personal information provided under the conditions of an international treaty or agreement China concluded or joined, without important data, follows those conditions; the treaty is on record (data.scenario_ref) and the exporter answers for meeting its conditions. The flow counts towards the exporter's totals.
# custom:
#   code: EXPORT_TREATY_CONDITIONS
#   basis: PIPL art. 38 (last paragraph)
#   row: 9
#   path: exempt
_treaty_conditions := _row(rego.metadata.rule())

table contains object.union(_treaty_conditions, {"conditions": [
	_not_state_organ_pi,
	_cond("the scenario claimed is treaty", _scenario_is("treaty")),
	_cond("the treaty is on record (data.scenario_ref)", _scenario_ref_on_record),
	_cond("the data is graded general (no important data)", _is_general),
]})

# METADATA
# title: Row 9 — Greater Bay Area standard contract
# description: Personal information provided by an exporter registered in a mainland city of the Guangdong-Hong Kong-Macao Greater Bay Area to a recipient in Hong Kong, under the Mainland-Hong Kong standard contract for the Greater Bay Area, without important data and not by a CIIO, takes the contract route whatever the volume; the contract must be in effect and filed.
# custom:
#   code: EXPORT_GBA_STANDARD_CONTRACT
#   basis: GBA Standard Contract Implementation Guidelines (CAC and HK ITB, 2023); PIPL art. 38(3)
#   row: 9
#   path: standard_contract_or_certification
_gba_standard_contract := _row(rego.metadata.rule())

table contains object.union(_gba_standard_contract, {"conditions": [
	_not_state_organ_pi,
	_cond("the scenario claimed is gba_standard_contract", _scenario_is("gba_standard_contract")),
	_cond("the exporter is registered in a mainland city of the Greater Bay Area (exporter.gba)", object.get(input, ["exporter", "gba"], false) == true),
	_cond("the recipient is in Hong Kong", input.recipient.country == "HK"),
	_cond("the exporter is not a CIIO", ciio == false),
	_cond("the data is graded general (no important data)", _is_general),
	_cond("a Greater Bay Area standard contract with this recipient is on record", _gba_contract_on_record),
]})

default _scenario_ref_on_record := false

_scenario_ref_on_record if has_ref(object.get(input, ["data", "scenario_ref"], null))

default _gba_contract_on_record := false

_gba_contract_on_record if {
	some c in _contracts
	object.get(c, "form", "cac") == "gba"
}

# METADATA
# title: Row 10 — free trade zone, other negative-list entry
# description: The exporter (not a CIIO) sits in a free trade zone and the data matches a negative-list entry on personal information (no exemption scenario applied); the strictest path named by the matching entries applies.
# custom:
#   code: EXPORT_FTZ_LISTED_PI
#   basis: Provisions art. 6
#   row: 10
_ftz_listed_pi := rego.metadata.rule()

table contains object.union(_ftz_row(_ftz_listed_pi, ftz_matches), {"conditions": array.concat(_ftz_conditions, [
	_not_state_organ_pi,
	_cond("an entry matches the flow (domain, a category, its threshold)", count(ftz_matches) > 0),
	_cond("none of the matching entries designates important data", count(ftz_important_matches) == 0),
])})

# METADATA
# title: Row 10 — free trade zone, data on no negative-list entry
# description: The exporter (not a CIIO) sits in a free trade zone with a negative list and the data matches none of its entries.
# custom:
#   code: EXPORT_FTZ_UNLISTED
#   basis: Provisions art. 6
#   row: 10
#   path: exempt
_ftz_unlisted := _row(rego.metadata.rule())

table contains object.union(_ftz_unlisted, {"conditions": array.concat(_ftz_conditions, [
	_not_state_organ_pi,
	_cond("no entry of the list matches the flow", count(ftz_matches) == 0),
	_cond("the data is not declared important data, or the list is read to free unlisted important data too (export_readings.ftz_unlisted_important_data: exempt)", _unlisted_freed),
])})

# Important data on none of the zone's entries: by default (security_assessment) the list does not free it and row 11
# applies, because NDSR art. 37 (an administrative regulation) requires a security assessment for important data and
# outranks the Provisions; with the reading `exempt` the list frees it, with a warning.
_unlisted_freed := input.data.grade != "important" if {
	_ftz_unlisted_reading != "exempt"
} else := true

default _ftz_unlisted_reading := "security_assessment"

_ftz_unlisted_reading := data.export_readings.ftz_unlisted_important_data

# METADATA
# title: Row 11 — important data, CIIO exporter
# description: Important data provided by a critical information infrastructure operator needs a security assessment.
# custom:
#   code: EXPORT_IMPORTANT_DATA
#   basis: Provisions art. 7(1); NDSR art. 37
#   row: 11
#   path: security_assessment
_important_data_ciio := _row(rego.metadata.rule())

table contains object.union(_important_data_ciio, {"conditions": [
	_cond("the data is graded important", input.data.grade == "important"),
	_cond("the exporter is a CIIO", ciio),
]})

# METADATA
# title: Row 11 — important data
# description: Important data needs a security assessment.
# custom:
#   code: EXPORT_IMPORTANT_DATA
#   basis: Provisions art. 7(2); NDSR art. 37
#   row: 11
#   path: security_assessment
_important_data := _row(rego.metadata.rule())

table contains object.union(_important_data, {"conditions": [
	_cond("the data is graded important", input.data.grade == "important"),
	_cond("the exporter is not a CIIO", ciio == false),
]})

# METADATA
# title: Row 12 — CIIO providing PI
# description: A critical information infrastructure operator providing any personal information needs a security assessment.
# custom:
#   code: EXPORT_CIIO_PI
#   basis: Provisions art. 7(1)
#   row: 12
#   path: security_assessment
_ciio_pi := _row(rego.metadata.rule())

table contains object.union(_ciio_pi, {"conditions": [
	_cond("the exporter is a CIIO", ciio),
	_cond("the flow carries personal information", has_pi),
]})

# METADATA
# title: Row 12 — state organ providing PI
# description: A state organ, or an organization authorized by law to manage public affairs, providing any personal information abroad needs a security assessment, whatever the volume or scenario.
# custom:
#   code: EXPORT_STATE_ORGAN_PI
#   basis: PIPL arts. 36-37
#   row: 12
#   path: security_assessment
_state_organ_pi_row := _row(rego.metadata.rule())

table contains object.union(_state_organ_pi_row, {"conditions": [
	_cond("the exporter is a state organ or a body with public functions (exporter.state_organ)", _state_organ),
	_cond("the exporter is not a CIIO (that rule of row 12 decides)", ciio == false),
	_cond("the flow carries personal information", has_pi),
]})

default _state_organ := false

_state_organ if input.exporter.state_organ == true

# The condition the exemption scenarios and the free-trade-zone lists add: PIPL art. 36 (with art. 37) requires a
# security assessment for any PI a state organ provides abroad, and a departmental rule cannot relax a statute.
_not_state_organ_pi := _cond("the exporter is not a state organ or public-function body providing PI (PIPL arts. 36-37)", _state_organ_pi == false)

default _state_organ_pi := false

_state_organ_pi if {
	_state_organ
	has_pi
}

# METADATA
# title: Row 13 — PI volume in the security-assessment band
# description: This year the exporter provides personal information of 1,000,000 persons or more, or sensitive personal information of 10,000 persons or more (this flow included).
# custom:
#   code: EXPORT_PI_VOLUME_ASSESSMENT
#   basis: Provisions art. 7(2)
#   row: 13
#   path: security_assessment
_pi_volume_assessment := _row(rego.metadata.rule())

table contains object.union(_pi_volume_assessment, {"conditions": [
	_cond("the exporter is not a CIIO", ciio == false),
	_cond("the flow carries personal information", has_pi),
	_cond(concat("", ["this year's totals are in the security-assessment band (", _totals, ")"]), _volume_band == "security_assessment"),
]})

# The exporter's totals this year, this flow included, as the volume rows' conditions show them.
_totals := concat("", ["subjects ", format_int(total_subjects, 10), ", sensitive ", format_int(total_sensitive, 10)])

# METADATA
# title: Row 14 — PI volume in the standard-contract band
# description: This year the exporter provides personal information of 100,000 to 999,999 persons, or sensitive personal information of 1 to 9,999 persons (this flow included).
# custom:
#   code: EXPORT_PI_VOLUME_CONTRACT
#   basis: Provisions art. 8
#   row: 14
#   path: standard_contract_or_certification
_pi_volume_contract := _row(rego.metadata.rule())

table contains object.union(_pi_volume_contract, {"conditions": [
	_cond("the exporter is not a CIIO", ciio == false),
	_cond("the flow carries personal information", has_pi),
	_cond(concat("", ["this year's totals are in the standard-contract band (", _totals, ")"]), _volume_band == "standard_contract_or_certification"),
]})

# METADATA
# title: Row 15 — PI volume below the thresholds
# description: This year the exporter provides personal information of fewer than 100,000 persons and no sensitive personal information (this flow included; under the reading pi_bands per_type, none in this flow), and no important data.
# custom:
#   code: EXPORT_PI_VOLUME_EXEMPT
#   basis: Provisions art. 5(4)
#   row: 15
#   path: exempt
_pi_volume_exempt := _row(rego.metadata.rule())

table contains object.union(_pi_volume_exempt, {"conditions": [
	_cond("the exporter is not a CIIO", ciio == false),
	_cond("the flow carries personal information", has_pi),
	_cond(concat("", ["this year's totals are below the thresholds (", _totals, ")"]), _volume_band == "exempt"),
	_cond("the data is graded general", _is_general),
]})

_volume_band := "security_assessment" if {
	total_subjects >= _th.pi_subjects_security_assessment
} else := "security_assessment" if {
	_sensitive_count_applies
	total_sensitive >= _th.sensitive_subjects_security_assessment
} else := "standard_contract_or_certification" if {
	total_subjects >= _th.pi_subjects_standard_contract
} else := "standard_contract_or_certification" if {
	_sensitive_count_applies
	total_sensitive >= 1
} else := "exempt"

# Whether the year's sensitive count places this flow in a band. By default (export_readings.pi_bands
# "per_exporter") the bands describe the exporter: once its sensitive count is in a band, every PI flow of it is.
# With "per_type" the sensitive count binds only flows that carry sensitive PI; the others are placed by the count
# of all subjects alone.
_sensitive_count_applies if _pi_bands_reading != "per_type"

_sensitive_count_applies if input.data.pi.sensitive_subjects > 0

default _pi_bands_reading := "per_exporter"

_pi_bands_reading := data.export_readings.pi_bands

# METADATA
# title: Row 16 — no PI, no important or core data
# description: The flow carries no personal information and no important or core data; no export procedure applies.
# custom:
#   code: EXPORT_NO_PI
#   basis: Provisions arts. 7-8 (no procedure is triggered)
#   row: 16
#   path: exempt
_no_pi := _row(rego.metadata.rule())

table contains object.union(_no_pi, {"conditions": [
	_cond("the flow carries no personal information", has_pi == false),
	_cond("the data is graded general", _is_general),
]})
