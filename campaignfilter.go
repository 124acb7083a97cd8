package certsum

import (
	"context"
	"strings"
	"unicode/utf8"
)

// Campaign filters (INVENTORY.md §2.6): a named set of criteria that a campaign applies to
// the review items it generates. An INCLUSION filter keeps only the items some criterion
// matches; an EXCLUSION filter drops them. Top-level criteria are ORed, values compare
// without regard to case. A criterion on the identity (IDENTITY, IDENTITY_ATTRIBUTE) matches
// all of an identity's items; one on access (ROLE, ACCESS_PROFILE, ENTITLEMENT, SOURCE)
// matches single items. A campaign keeps the filter as it was when the campaign was created.

// CampaignFilter is the spec's CampaignFilterDetails.
type CampaignFilter struct {
	ID             string           `json:"id"`
	Name           string           `json:"name"`
	Owner          *string          `json:"owner"`
	Mode           string           `json:"mode"` // INCLUSION or EXCLUSION
	CriteriaList   []FilterCriteria `json:"criteriaList"`
	IsSystemFilter bool             `json:"isSystemFilter"`
}

// FilterCriteria is one criterion of a campaign filter.
type FilterCriteria struct {
	Type                 string           `json:"type"`
	Operation            *string          `json:"operation"`
	Property             *string          `json:"property"`
	Value                *string          `json:"value"`
	NegateResult         bool             `json:"negateResult"`
	ShortCircuit         bool             `json:"shortCircuit"`
	RecordChildMatches   bool             `json:"recordChildMatches"`
	ID                   *string          `json:"id"`
	SuppressMatchedItems bool             `json:"suppressMatchedItems"`
	Children             []FilterCriteria `json:"children,omitempty"` // never null: the spec's array is not nullable
}

// Filter modes.
const (
	FilterInclusion = "INCLUSION"
	FilterExclusion = "EXCLUSION"
)

// Limits of a campaign filter.
const (
	MaxFilterCriteria = 100
	MaxFilterDepth    = 5
)

// Check applies the rules of a filter about to be stored: a name, a mode, 1 to
// MaxFilterCriteria criteria of the types certsum evaluates, with the values and operations
// they need. It fills the default operation (EQUALS). Errors: invalid.
func (f *CampaignFilter) Check() error {
	if strings.TrimSpace(f.Name) == "" {
		return Invalidf("name", "name is required")
	}
	if utf8.RuneCountInString(f.Name) > MaxCampaignName {
		return Invalidf("name", "name is longer than %d characters", MaxCampaignName)
	}
	if f.Mode != FilterInclusion && f.Mode != FilterExclusion {
		return Invalidf("mode", "mode %q is not INCLUSION or EXCLUSION", f.Mode)
	}
	if len(f.CriteriaList) == 0 || len(f.CriteriaList) > MaxFilterCriteria {
		return Invalidf("criteriaList", "criteriaList needs 1 to %d criteria", MaxFilterCriteria)
	}
	for i := range f.CriteriaList {
		if err := f.CriteriaList[i].check(1); err != nil {
			return err
		}
	}
	return nil
}

func (c *FilterCriteria) check(depth int) error {
	if depth > MaxFilterDepth {
		return Invalidf("criteriaList", "criteria nest deeper than %d levels", MaxFilterDepth)
	}
	op := ""
	if c.Operation != nil {
		op = *c.Operation
	}
	switch c.Type {
	case "COMPOSITE":
		if op != "AND" && op != "OR" {
			return Invalidf("criteriaList.operation", "a COMPOSITE criterion's operation is AND or OR, not %q", op)
		}
		if len(c.Children) == 0 {
			return Invalidf("criteriaList.children", "a COMPOSITE criterion needs children")
		}
		for i := range c.Children {
			if err := c.Children[i].check(depth + 1); err != nil {
				return err
			}
		}
		return nil
	case "IDENTITY", "IDENTITY_ATTRIBUTE", "ROLE", "ACCESS_PROFILE", "ENTITLEMENT", "SOURCE":
	default:
		return Invalidf("criteriaList.type", "certsum does not evaluate %q criteria; it evaluates IDENTITY, IDENTITY_ATTRIBUTE, ROLE, ACCESS_PROFILE, ENTITLEMENT, SOURCE and COMPOSITE", c.Type)
	}
	switch op {
	case "":
		eq := "EQUALS"
		c.Operation = &eq
	case "EQUALS", "NOT_EQUALS", "CONTAINS", "STARTS_WITH", "ENDS_WITH":
	default:
		return Invalidf("criteriaList.operation", "a %s criterion's operation is EQUALS, NOT_EQUALS, CONTAINS, STARTS_WITH or ENDS_WITH, not %q", c.Type, op)
	}
	if c.Value == nil || *c.Value == "" {
		return Invalidf("criteriaList.value", "a %s criterion needs a value", c.Type)
	}
	if c.Type == "IDENTITY_ATTRIBUTE" && (c.Property == nil || *c.Property == "") {
		return Invalidf("criteriaList.property", "an IDENTITY_ATTRIBUTE criterion names the attribute in property")
	}
	if len(c.Children) > 0 {
		return Invalidf("criteriaList.children", "only a COMPOSITE criterion has children")
	}
	return nil
}

// UsesAttributes reports whether a filter reads identity attributes.
func (f *CampaignFilter) UsesAttributes() bool {
	var walk func([]FilterCriteria) bool
	walk = func(cs []FilterCriteria) bool {
		for _, c := range cs {
			if c.Type == "IDENTITY_ATTRIBUTE" || walk(c.Children) {
				return true
			}
		}
		return false
	}
	return walk(f.CriteriaList)
}

// FilterItem is one review item as a filter sees it.
type FilterItem struct {
	IdentityID, IdentityName string
	Attributes               map[string]string
	Type                     DtoType
	AccessID, AccessName     string
	SourceID, SourceName     string
}

// Keeps reports whether the campaign keeps the item: an INCLUSION filter keeps what one of
// its criteria matches, an EXCLUSION filter what none matches.
func (f *CampaignFilter) Keeps(it *FilterItem) bool {
	matched := false
	for i := range f.CriteriaList {
		if f.CriteriaList[i].matches(it) {
			matched = true
			break
		}
	}
	if f.Mode == FilterExclusion {
		return !matched
	}
	return matched
}

func (c *FilterCriteria) matches(it *FilterItem) bool {
	op := "EQUALS"
	if c.Operation != nil {
		op = *c.Operation
	}
	var m bool
	switch c.Type {
	case "COMPOSITE":
		m = op == "AND"
		for i := range c.Children {
			cm := c.Children[i].matches(it)
			if op == "AND" && !cm {
				m = false
				break
			}
			if op == "OR" && cm {
				m = true
				break
			}
		}
	case "IDENTITY":
		m = compare(op, *c.Value, it.IdentityID, it.IdentityName)
	case "IDENTITY_ATTRIBUTE":
		v, ok := it.Attributes[*c.Property]
		if !ok {
			for k, x := range it.Attributes {
				if strings.EqualFold(k, *c.Property) {
					v, ok = x, true
				}
			}
		}
		m = ok && compare(op, *c.Value, v)
	case "ROLE", "ACCESS_PROFILE", "ENTITLEMENT":
		m = string(it.Type) == c.Type && compare(op, *c.Value, it.AccessID, it.AccessName)
	case "SOURCE":
		m = it.SourceID != "" && compare(op, *c.Value, it.SourceID, it.SourceName)
	}
	if c.NegateResult {
		return !m
	}
	return m
}

// compare applies a criterion's operation to the value and each candidate, without regard
// to case: true when one candidate matches (for NOT_EQUALS, when none equals).
func compare(op, value string, candidates ...string) bool {
	v := strings.ToLower(value)
	if op == "NOT_EQUALS" {
		for _, c := range candidates {
			if strings.ToLower(c) == v {
				return false
			}
		}
		return true
	}
	for _, c := range candidates {
		c = strings.ToLower(c)
		switch op {
		case "EQUALS":
			if c == v {
				return true
			}
		case "CONTAINS":
			if strings.Contains(c, v) {
				return true
			}
		case "STARTS_WITH":
			if strings.HasPrefix(c, v) {
				return true
			}
		case "ENDS_WITH":
			if strings.HasSuffix(c, v) {
				return true
			}
		}
	}
	return false
}

// CampaignFilterStore keeps campaign filters.
type CampaignFilterStore interface {
	// CreateCampaignFilter stores a new filter and sets its id. Errors: invalid.
	CreateCampaignFilter(ctx context.Context, f *CampaignFilter) error
	// UpdateCampaignFilter replaces a filter; campaigns made with it keep the old one.
	// Errors: invalid, not_found.
	UpdateCampaignFilter(ctx context.Context, f *CampaignFilter) error
	// GetCampaignFilter returns a filter. Errors: not_found.
	GetCampaignFilter(ctx context.Context, id string) (*CampaignFilter, error)
	// ListCampaignFilters returns a page of filters by name, and how many there are.
	ListCampaignFilters(ctx context.Context, limit, start int) ([]CampaignFilter, int, error)
	// DeleteCampaignFilters deletes filters, all or none. Errors: invalid, not_found.
	DeleteCampaignFilters(ctx context.Context, ids []string) error
}
