# Free-trade-zone negative lists (rows 7 and 10; Provisions art. 6), from data.ftz_negative_lists.
# The lists apply to an exporter that is not a CIIO and whose zone has a list loaded. An entry matches
# when its zone is the exporter's, its domain is the flow's, it shares at least one category with the
# flow, and the exporter's PI subjects this year (cumulative + this flow) reach its threshold_subjects
# if it has one. fields and scenario describe an entry; they are not matched.
# An entry designates important data (row 7, which only transit data escapes) unless its `designates` says
# personal_information (row 10, which the exemption scenarios of Provisions arts. 3 and 5(1)-(3) prevail over):
# an entry that does not say is read the strict way.
package kouan.export

_ftz_list_applies if {
	not ciio
	data.ftz_negative_lists.zones[input.exporter.ftz]
}

# Entries of the exporter's zone for the flow's domain that share a category with it and whose subject
# threshold, if any, the exporter's total this year reaches.
ftz_matches contains e if {
	_ftz_list_applies
	some e in data.ftz_negative_lists.entries
	e.zone == input.exporter.ftz
	e.domain == input.data.domain
	some c in input.data.categories
	c in e.categories
	_reaches_threshold(e)
}

# The matching entries that designate important data.
ftz_important_matches contains e if {
	some e in ftz_matches
	object.get(e, "designates", "important_data") != "personal_information"
}

_reaches_threshold(e) if object.get(e, "threshold_subjects", null) == null

_reaches_threshold(e) if total_subjects >= e.threshold_subjects

# An entry naming an unknown path ranks as forbidden (fail closed).
_path_rank := {"exempt": 0, "standard_contract_or_certification": 1, "security_assessment": 2, "forbidden": 3}
