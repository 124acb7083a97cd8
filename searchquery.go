package certsum

import (
	"fmt"
	"path"
	"strings"
	"unicode"
)

// The search query of a SEARCH campaign (searchCampaignInfo.query) selects the identities it
// reviews. certsum reads a documented subset of ISC's search syntax (INVENTORY.md Decisions
// 3): terms field:value on identity attributes and held access, joined with AND, OR and NOT
// (two terms side by side mean AND), parentheses, quoted phrases and * wildcards. Values
// match without regard to case. Anything else is refused with the construct it found.
//
//	name:ann*            the identity's name (login)
//	email:"*@example.com"
//	id:u000123
//	attributes.department:Engineering
//	source.id:ad         holds access on the source (an account, entitlement or access profile)
//	access.id:role-eng   holds this role, access profile or entitlement

// MaxSearchQuery is the longest search query certsum reads.
const MaxSearchQuery = 4096

// SearchQuery is a parsed search query.
type SearchQuery struct{ root searchNode }

// SearchSubject is what a search query is matched against: one identity and its access.
type SearchSubject struct {
	ID, Name, Email string
	Attributes      map[string]string
	AccessIDs       []string
	SourceIDs       []string
}

// Matches reports whether the identity is one the query selects.
func (q *SearchQuery) Matches(s *SearchSubject) bool { return q.root.match(s) }

type searchNode interface{ match(*SearchSubject) bool }

type searchAnd []searchNode
type searchOr []searchNode
type searchNot struct{ n searchNode }
type searchTerm struct{ field, attr, pattern string }

func (a searchAnd) match(s *SearchSubject) bool {
	for _, n := range a {
		if !n.match(s) {
			return false
		}
	}
	return true
}

func (o searchOr) match(s *SearchSubject) bool {
	for _, n := range o {
		if n.match(s) {
			return true
		}
	}
	return false
}

func (n searchNot) match(s *SearchSubject) bool { return !n.n.match(s) }

func (t searchTerm) match(s *SearchSubject) bool {
	one := func(v string) bool {
		ok, _ := path.Match(t.pattern, strings.ToLower(v))
		return ok
	}
	any := func(vs []string) bool {
		for _, v := range vs {
			if one(v) {
				return true
			}
		}
		return false
	}
	switch t.field {
	case "id":
		return one(s.ID)
	case "name":
		return one(s.Name)
	case "email":
		return one(s.Email)
	case "attributes":
		v, ok := s.Attributes[t.attr]
		if !ok {
			for k, x := range s.Attributes { // attribute names match without regard to case too
				if strings.EqualFold(k, t.attr) {
					v, ok = x, true
					break
				}
			}
		}
		return ok && one(v)
	case "source.id":
		return any(s.SourceIDs)
	case "access.id":
		return any(s.AccessIDs)
	}
	return false
}

// searchFields are the fields a term may name (attributes.<name> besides).
var searchFields = []string{"id", "name", "email", "source.id", "access.id"}

// ParseSearchQuery reads a search query. Errors: invalid, naming the construct and where it
// stands.
func ParseSearchQuery(src string) (*SearchQuery, error) {
	if len(src) > MaxSearchQuery {
		return nil, Invalidf("searchCampaignInfo.query", "the query is longer than %d bytes", MaxSearchQuery)
	}
	toks, err := searchTokens(src)
	if err != nil {
		return nil, err
	}
	p := &searchParser{toks: toks}
	if len(toks) == 0 {
		return nil, Invalidf("searchCampaignInfo.query", "the query is empty")
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, p.fail("unexpected %s", p.toks[p.i])
	}
	return &SearchQuery{root: n}, nil
}

// searchToken is one token: a word (field:value term or keyword), a parenthesis.
type searchToken struct {
	text string
	pos  int
	term bool // field:value
	// field and value of a term; quoted values keep their spaces.
	field, value string
}

func (t searchToken) String() string { return fmt.Sprintf("%q at offset %d", t.text, t.pos) }

func searchTokens(src string) ([]searchToken, error) {
	var out []searchToken
	bad := func(pos int, format string, args ...any) error {
		return Invalidf("searchCampaignInfo.query", "query offset %d: %s", pos, fmt.Sprintf(format, args...))
	}
	i := 0
	for i < len(src) {
		c := rune(src[i])
		switch {
		case unicode.IsSpace(c):
			i++
			continue
		case c == '(' || c == ')':
			out = append(out, searchToken{text: string(c), pos: i})
			i++
			continue
		case c == '"':
			return nil, bad(i, "a quoted phrase must follow a field and a colon (field:\"…\")")
		}
		start := i
		for i < len(src) && !unicode.IsSpace(rune(src[i])) && src[i] != '(' && src[i] != ')' && src[i] != '"' && src[i] != ':' {
			i++
		}
		word := src[start:i]
		if i < len(src) && src[i] == ':' {
			i++
			var value string
			if i < len(src) && src[i] == '"' {
				end := strings.IndexByte(src[i+1:], '"')
				if end < 0 {
					return nil, bad(i, "the quoted phrase is not closed")
				}
				value = src[i+1 : i+1+end]
				i += end + 2
			} else {
				vs := i
				for i < len(src) && !unicode.IsSpace(rune(src[i])) && src[i] != '(' && src[i] != ')' {
					if src[i] == '"' {
						return nil, bad(i, "%q inside a value: quote the whole value", src[i])
					}
					i++
				}
				value = src[vs:i]
			}
			if value == "" {
				return nil, bad(start, "the term %q has no value", word+":")
			}
			out = append(out, searchToken{text: src[start:i], pos: start, term: true, field: word, value: value})
			continue
		}
		if i < len(src) && src[i] == '"' {
			return nil, bad(i, "a quoted phrase must follow a field and a colon (field:\"…\")")
		}
		out = append(out, searchToken{text: word, pos: start})
	}
	return out, nil
}

type searchParser struct {
	toks []searchToken
	i    int
}

func (p *searchParser) fail(format string, args ...any) error {
	return Invalidf("searchCampaignInfo.query", "query: "+format, args...)
}

func (p *searchParser) keyword(k string) bool {
	if p.i < len(p.toks) && !p.toks[p.i].term && p.toks[p.i].text == k {
		p.i++
		return true
	}
	return false
}

func (p *searchParser) or() (searchNode, error) {
	n, err := p.and()
	if err != nil {
		return nil, err
	}
	list := searchOr{n}
	for p.keyword("OR") {
		m, err := p.and()
		if err != nil {
			return nil, err
		}
		list = append(list, m)
	}
	if len(list) == 1 {
		return n, nil
	}
	return list, nil
}

func (p *searchParser) and() (searchNode, error) {
	n, err := p.not()
	if err != nil {
		return nil, err
	}
	list := searchAnd{n}
	for p.i < len(p.toks) {
		if !p.keyword("AND") { // two terms side by side mean AND too
			t := p.toks[p.i]
			if t.text == ")" || (!t.term && t.text == "OR") {
				break
			}
		}
		m, err := p.not()
		if err != nil {
			return nil, err
		}
		list = append(list, m)
	}
	if len(list) == 1 {
		return n, nil
	}
	return list, nil
}

func (p *searchParser) not() (searchNode, error) {
	if p.keyword("NOT") {
		n, err := p.not()
		if err != nil {
			return nil, err
		}
		return searchNot{n}, nil
	}
	return p.primary()
}

func (p *searchParser) primary() (searchNode, error) {
	if p.i >= len(p.toks) {
		return nil, p.fail("the query ends where a term was expected")
	}
	t := p.toks[p.i]
	switch {
	case t.text == "(":
		p.i++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.keyword(")") {
			return nil, p.fail("the parenthesis at offset %d is not closed", t.pos)
		}
		return n, nil
	case !t.term:
		return nil, p.fail("unsupported %s: certsum reads field:value terms (%s, attributes.<name>) joined with AND, OR and NOT",
			t, strings.Join(searchFields, ", "))
	}
	p.i++
	field, attr := t.field, ""
	if a, ok := strings.CutPrefix(field, "attributes."); ok && a != "" {
		field, attr = "attributes", a
	} else {
		known := false
		for _, f := range searchFields {
			known = known || f == field
		}
		if !known {
			return nil, p.fail("unsupported field %q at offset %d: certsum searches %s and attributes.<name>",
				field, t.pos, strings.Join(searchFields, ", "))
		}
	}
	pattern := strings.ToLower(t.value)
	// Only * is a wildcard; the other pattern characters of path.Match are literal.
	pattern = strings.NewReplacer(`\`, `\\`, "?", `\?`, "[", `\[`, "]", `\]`).Replace(pattern)
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, p.fail("the value of %s is not a pattern certsum reads", t)
	}
	return searchTerm{field: field, attr: attr, pattern: pattern}, nil
}
