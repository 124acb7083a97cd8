package certsum

import "github.com/certsum/certsum/query"

// The filter/sorter schema of every list endpoint, exactly the attributes and operators the
// v2024 document lists for it. Column is the SQL expression each backend's list query
// provides under that name; the aliases are fixed here so that every backend (and the SQL
// compiler) agrees:
//
//	s  identity summaries      a  access summaries of a certification
//	c  certifications          i  access review items (joined to s for identitySummary.name)
//	r  reviewers               p  entitlement permissions
//	k  campaigns
//
// Collection columns hold a JSON array of strings. String comparisons (eq, ne, in, sw, co)
// are case-insensitive; sorting compares strings byte-wise and puts nulls first in ascending
// order.

var (
	eqIn  = []query.Op{query.OpEq, query.OpIn}
	eqNe  = []query.Op{query.OpEq, query.OpNe}
	eqSw  = []query.Op{query.OpEq, query.OpSw}
	eqOnl = []query.Op{query.OpEq}
)

// AccessSummarySchema is the schema of getIdentityAccessSummaries.
var AccessSummarySchema = &query.Schema{
	Name: "getIdentityAccessSummaries",
	Fields: []query.Field{
		{Name: "completed", Type: query.TypeBool, Ops: eqNe, Column: "a.completed"},
		{Name: "access.id", Type: query.TypeString, Ops: eqIn, Column: "a.access_id"},
		{Name: "access.name", Type: query.TypeString, Ops: eqSw, Sortable: true, Column: "a.name"},
		{Name: "entitlement.sourceName", Type: query.TypeString, Ops: eqSw, Nullable: true, Column: "a.ent_source_name"},
		{Name: "accessProfile.sourceName", Type: query.TypeString, Ops: eqSw, Nullable: true, Column: "a.ap_source_name"},
	},
	DefaultSort: []query.SortKey{{Field: "access.name"}},
	IDColumn:    "a.access_id",
	IDField:     "access.id",
}

// IdentitySummarySchema is the schema of getIdentitySummaries.
var IdentitySummarySchema = &query.Schema{
	Name: "getIdentitySummaries",
	Fields: []query.Field{
		{Name: "id", Type: query.TypeString, Ops: eqIn, Column: "s.id"},
		{Name: "completed", Type: query.TypeBool, Ops: eqNe, Column: "s.completed"},
		{Name: "name", Type: query.TypeString, Ops: eqSw, Sortable: true, Column: "s.name"},
	},
	DefaultSort: []query.SortKey{{Field: "name"}},
	IDColumn:    "s.id",
	IDField:     "id",
}

// DecisionSummarySchema is the schema of getIdentityDecisionSummary's filters.
var DecisionSummarySchema = &query.Schema{
	Name: "getIdentityDecisionSummary",
	Fields: []query.Field{
		{Name: "identitySummary.id", Type: query.TypeString, Ops: eqIn, Column: "s.id"},
	},
	IDColumn: "s.id",
	IDField:  "identitySummary.id",
}

// CertificationSchema is the schema of listIdentityCertifications.
var CertificationSchema = &query.Schema{
	Name: "listIdentityCertifications",
	Fields: []query.Field{
		{Name: "id", Type: query.TypeString, Ops: eqIn, Column: "c.id"},
		{Name: "campaign.id", Type: query.TypeString, Ops: eqIn, Column: "c.campaign_id"},
		{Name: "phase", Type: query.TypeString, Ops: eqOnl, Column: "c.phase"},
		{Name: "completed", Type: query.TypeBool, Ops: eqOnl, Column: "c.completed"},
		{Name: "name", Type: query.TypeString, Sortable: true, Column: "c.name"},
		{Name: "due", Type: query.TypeDateTime, Sortable: true, Nullable: true, Column: "c.due"},
		{Name: "signed", Type: query.TypeDateTime, Sortable: true, Nullable: true, Column: "c.signed"},
	},
	DefaultSort: []query.SortKey{{Field: "name"}},
	IDColumn:    "c.id",
	IDField:     "id",
}

// ReviewItemSchema is the schema of listIdentityAccessReviewItems. AccessReviewItem has no
// type property; "type" filters on the access type, like "access.type".
var ReviewItemSchema = &query.Schema{
	Name: "listIdentityAccessReviewItems",
	Fields: []query.Field{
		{Name: "id", Type: query.TypeString, Ops: eqIn, Column: "i.id"},
		{Name: "type", Type: query.TypeString, Ops: eqOnl, Column: "i.access_type"},
		{Name: "access.type", Type: query.TypeString, Ops: eqOnl, Sortable: true, Column: "i.access_type"},
		{Name: "completed", Type: query.TypeBool, Ops: eqNe, Column: "i.completed"},
		{Name: "identitySummary.id", Type: query.TypeString, Ops: eqIn, Column: "i.identity_summary_id"},
		{Name: "identitySummary.name", Type: query.TypeString, Ops: eqSw, Sortable: true, Column: "s.name"},
		{Name: "access.id", Type: query.TypeString, Ops: eqIn, Column: "i.access_id"},
		{Name: "access.name", Type: query.TypeString, Ops: eqSw, Sortable: true, Column: "i.access_name"},
		{Name: "entitlement.sourceName", Type: query.TypeString, Ops: eqSw, Sortable: true, Nullable: true, Column: "i.ent_source_name"},
		{Name: "accessProfile.sourceName", Type: query.TypeString, Ops: eqSw, Sortable: true, Nullable: true, Column: "i.ap_source_name"},
	},
	DefaultSort: []query.SortKey{{Field: "identitySummary.name"}, {Field: "access.name"}},
	IDColumn:    "i.id",
	IDField:     "id",
}

// ReviewerSchema is the schema of listCertificationReviewers.
var ReviewerSchema = &query.Schema{
	Name: "listCertificationReviewers",
	Fields: []query.Field{
		{Name: "id", Type: query.TypeString, Ops: eqIn, Column: "r.id"},
		{Name: "name", Type: query.TypeString, Ops: eqSw, Sortable: true, Column: "r.name"},
		{Name: "email", Type: query.TypeString, Ops: eqSw, Sortable: true, Nullable: true, Column: "r.email"},
	},
	DefaultSort: []query.SortKey{{Field: "name"}},
	IDColumn:    "r.id",
	IDField:     "id",
}

// PermissionSchema is the schema of getIdentityCertificationItemPermissions: at most one
// and/or, joining a target filter and a rights filter. It has no sorters; permissions come in
// target order.
var PermissionSchema = &query.Schema{
	Name: "getIdentityCertificationItemPermissions",
	Fields: []query.Field{
		{Name: "target", Type: query.TypeString, Ops: eqSw, Column: "p.target"},
		{Name: "rights", Type: query.TypeString, Ops: []query.Op{query.OpCa}, Collection: true, Column: "p.rights"},
	},
	DefaultSort:    []query.SortKey{{Field: "target"}},
	IDColumn:       "p.id",
	IDField:        "id",
	MaxBinary:      1,
	DistinctFields: true,
}

// CampaignSchema is the schema of getActiveCampaigns.
var CampaignSchema = &query.Schema{
	Name: "getActiveCampaigns",
	Fields: []query.Field{
		{Name: "id", Type: query.TypeString, Ops: eqIn, Column: "k.id"},
		{Name: "name", Type: query.TypeString, Ops: eqSw, Sortable: true, Column: "k.name"},
		{Name: "status", Type: query.TypeString, Ops: eqIn, Column: "k.status"},
		{Name: "created", Type: query.TypeDateTime, Sortable: true, Column: "k.created"},
	},
	DefaultSort: []query.SortKey{{Field: "name"}},
	IDColumn:    "k.id",
	IDField:     "id",
}
