package httpapi

import (
	"net/http"
	"strings"
)

// A generation is one way SailPoint's clients address the same operations: a versioned
// root (/v2024, /v3, /v2025, /v2026, /beta) or the service-versioned paths of the newest
// SDKs (/certifications/v1/…, /campaigns/v1/…, /campaign-filters/v1/…). Every generation is
// served by the same handlers over the same store: which operations a generation has, and
// how its answers differ from v2024's, is generations_table.go, generated from the vendored
// specs.
type generation struct {
	name string
	// root is the versioned root ("/v3"); "" for the service-versioned generation.
	root string
	// ops are the operations the generation has, by v2024 operationId.
	ops map[string]operation
}

// operation is what a generation's spec says of one of its operations.
type operation struct {
	// scopes are the userAuth scopes of which the token needs one; they differ between
	// generations for a few operations (beta's reviewers and permissions ask for
	// idn:certification:read).
	scopes []string
	// rules turn v2024's answer into the generation's; none where they agree.
	rules []fieldRule
}

// path is where the generation serves the operation that v2024 serves at root+pattern
// (a route's pattern): below its root, or with the service's version after the service's
// name ("/campaigns/{id}/activate" → "/campaigns/v1/{id}/activate").
func (g *generation) path(pattern string) string {
	if g.root != "" {
		return g.root + pattern
	}
	service, rest, _ := strings.Cut(strings.TrimPrefix(pattern, "/"), "/")
	if rest == "" {
		return "/" + service + "/v1"
	}
	return "/" + service + "/v1/" + rest
}

// roots are the path prefixes below which the generation answers, unknown paths included:
// its root, or each service's versioned name (and that name alone, a collection).
func (g *generation) roots(routes []route) []string {
	if g.root != "" {
		return []string{g.root + "/"}
	}
	seen := map[string]bool{}
	var out []string
	for _, rt := range routes {
		if _, ok := g.ops[rt.op]; !ok {
			continue
		}
		service, _, _ := strings.Cut(strings.TrimPrefix(rt.pattern, "/"), "/")
		if !seen[service] {
			seen[service] = true
			out = append(out, "/"+service+"/v1/", "/"+service+"/v1")
		}
	}
	return out
}

// generationByName returns the generation of that name; nil for none.
func generationByName(name string) *generation {
	for i := range generations {
		if generations[i].name == name {
			return &generations[i]
		}
	}
	return nil
}

// mountGenerations registers every generation's operations on mux: each behind its scope
// gate, and reshaped where the generation's answer differs from v2024's. Wrong methods get
// 405 and unknown paths below a generation's roots 404, in the error format; a path that
// only another generation has is such an unknown path. It returns the roots, for the
// caller to route to mux through the authenticated chain.
func (s *server) mountGenerations(mux *http.ServeMux) []string {
	routes := s.routes()
	var roots []string
	for i := range generations {
		g := &generations[i]
		byPattern := map[string]map[string]http.Handler{}
		var patterns []string
		for _, rt := range routes {
			op, ok := g.ops[rt.op]
			if !ok {
				continue
			}
			p := g.path(rt.pattern)
			if byPattern[p] == nil {
				byPattern[p] = map[string]http.Handler{}
				patterns = append(patterns, p)
			}
			h := requireAccess(s.ew, op.scopes, rt.levels)(s.ew.adapt(rt.h))
			if tree := ruleTree(op.rules); tree != nil {
				h = reshape(tree, h)
			}
			byPattern[p][rt.method] = h
		}
		for _, p := range patterns {
			mux.Handle(p, routed(p, methods(s.ew, byPattern[p])))
		}
		for _, root := range g.roots(routes) {
			if byPattern[root] == nil {
				mux.Handle(root, notFound(s.ew))
			}
			roots = append(roots, root)
		}
	}
	return roots
}
