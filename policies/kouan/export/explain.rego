# Export decision explained
# The decision table as this input met it, for a compliance officer auditing one decision without reading Rego: every
# row in order with its conditions and whether each held. It reads the same `table` that decides (rows.rego), so the
# explanation cannot say something the decision did not do.
package kouan.export

# METADATA
# title: Export decision explained
# description: |
#   The decision, and every row of the decision table in order (row, then title): whether it matched, whether it
#   decided, and each of its conditions with whether it held. A row that did not match has at least one condition
#   that did not hold; a row that matched after the deciding one was outranked by it.
# entrypoint: true
explain := {
	"decision": decision,
	"deciding_row": _deciding_row,
	"rows": [_explained(t) |
		some key in sort({[t.row, t.title] | some t in table})
		some t in table
		[t.row, t.title] == key
	],
}

_explained(t) := {
	"row": t.row,
	"title": t.title,
	"code": t.reason.code,
	"basis": t.reason.basis,
	"path": t.path,
	"matched": count(unmet) == 0,
	"deciding": object.remove(t, ["conditions", "title"]) == _deciding,
	"conditions": t.conditions,
} if {
	unmet := [c | some c in t.conditions; c.holds != true]
}

default _deciding := null

_deciding := decided

default _deciding_row := null

_deciding_row := decided.row
