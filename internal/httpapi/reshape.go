package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// How a generation's answer differs from v2024's, field by field. The rules are found
// mechanically from the vendored specs (generations_table.go, checked by
// TestGenerationTableIsTheSpecs) and applied to the answer v2024's handler wrote.

// fieldAction says what a generation does with one field of v2024's answer.
type fieldAction uint8

const (
	// omitNull drops the field when its value is null: v2024 allows null there, the
	// generation does not and does not require the field.
	omitNull fieldAction = iota + 1
	// emptyForNull sends "" for a null string the generation requires and does not allow to
	// be null.
	emptyForNull
	// drop removes the field: the generation's schema does not have it.
	drop
)

// fieldRule is one rule: a path from the answer's root ("[]" for the elements of an array,
// "." between fields) and what to do there.
type fieldRule struct {
	path   string
	action fieldAction
}

// ruleNode is the rules of an answer as a tree of field names, so that the rewrite follows
// the answer's structure and skips what no rule reaches.
type ruleNode struct {
	action fieldAction
	kids   map[string]*ruleNode
	// needles, at the root, are the texts without which no rule applies: `"email":null` for
	// a rule on nulls, `"filter":` for a drop. An answer holding none of them (most, as
	// encoding/json writes no space) is sent as it is, without a walk.
	needles [][]byte
}

// ruleTree builds the tree of rules; nil for none.
func ruleTree(rules []fieldRule) *ruleNode {
	if len(rules) == 0 {
		return nil
	}
	root := &ruleNode{}
	for _, r := range rules {
		n := root
		for _, seg := range splitRulePath(r.path) {
			if n.kids == nil {
				n.kids = map[string]*ruleNode{}
			}
			k := n.kids[seg]
			if k == nil {
				k = &ruleNode{}
				n.kids[seg] = k
			}
			n = k
		}
		n.action = r.action
		segs := splitRulePath(r.path)
		needle := `"` + segs[len(segs)-1] + `":`
		if r.action != drop {
			needle += "null"
		}
		root.needles = append(root.needles, []byte(needle))
	}
	return root
}

// mayApply reports whether any rule may apply to src.
func (n *ruleNode) mayApply(src []byte) bool {
	for _, nd := range n.needles {
		if bytes.Contains(src, nd) {
			return true
		}
	}
	return false
}

// splitRulePath splits "[].owner.email" into "[]", "owner", "email".
func splitRulePath(p string) []string {
	var out []string
	for p != "" {
		if strings.HasPrefix(p, "[]") {
			out = append(out, "[]")
			p = strings.TrimPrefix(p[2:], ".")
			continue
		}
		i := strings.IndexAny(p, ".[")
		if i < 0 {
			out = append(out, p)
			break
		}
		out = append(out, p[:i])
		p = strings.TrimPrefix(p[i:], ".")
	}
	return out
}

// reshape wraps an operation's handler so that its JSON success answer is rewritten by the
// rules. Errors and empty answers pass through: every generation's ErrorResponseDto is
// v2024's.
func reshape(rules *ruleNode, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &reshapeWriter{ResponseWriter: w}
		next.ServeHTTP(rw, r)
		if !rw.holding {
			return
		}
		out, err := rewriteJSON(make([]byte, 0, rw.body.Len()), rw.body.Bytes(), rules)
		if err != nil {
			// The handler's own encoder wrote the body; a body it cannot walk is a bug, and
			// the client still gets the answer as v2024 gives it rather than nothing.
			out = rw.body.Bytes()
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		w.WriteHeader(rw.status)
		_, _ = w.Write(out)
	})
}

// reshapeWriter holds a 2xx JSON answer for reshape and lets everything else through.
type reshapeWriter struct {
	http.ResponseWriter
	status  int
	holding bool
	wrote   bool
	body    bytes.Buffer
}

func (rw *reshapeWriter) WriteHeader(status int) {
	if rw.wrote {
		return
	}
	rw.wrote = true
	rw.status = status
	if status >= 200 && status < 300 && status != http.StatusNoContent &&
		rw.Header().Get("Content-Type") == "application/json" {
		rw.holding = true
		if n, err := strconv.Atoi(rw.Header().Get("Content-Length")); err == nil && n > 0 {
			rw.body.Grow(n)
		}
		return
	}
	rw.ResponseWriter.WriteHeader(status)
}

func (rw *reshapeWriter) Write(p []byte) (int, error) {
	if !rw.wrote {
		rw.WriteHeader(http.StatusOK)
	}
	if rw.holding {
		return rw.body.Write(p)
	}
	return rw.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (rw *reshapeWriter) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

var errBadJSON = errors.New("reshape: malformed JSON")

// rewriteJSON appends src, rewritten by the rules, to dst. It copies every byte no rule
// touches, so the rewritten answer keeps v2024's field order and encoding. src is what
// encoding/json wrote: compact, keys unescaped where they are ASCII; an answer that holds
// none of the rules' needles is copied as it is.
func rewriteJSON(dst, src []byte, rules *ruleNode) ([]byte, error) {
	if rules != nil && rules.needles != nil && !rules.mayApply(src) {
		return append(dst, src...), nil
	}
	w := jsonWalker{src: src, dst: dst}
	w.space()
	if err := w.value(rules); err != nil {
		return nil, err
	}
	rest := w.src[w.i:] // the encoder's trailing newline
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errBadJSON
	}
	w.dst = append(w.dst, rest...)
	return w.dst, nil
}

// jsonWalker walks well-formed JSON (what encoding/json wrote) and copies it to dst.
type jsonWalker struct {
	src []byte
	i   int
	dst []byte
}

func (w *jsonWalker) space() {
	for w.i < len(w.src) && (w.src[w.i] == ' ' || w.src[w.i] == '\n' || w.src[w.i] == '\t' || w.src[w.i] == '\r') {
		w.i++
	}
}

// value copies one value, applying the rules below n (nil: copy as is).
func (w *jsonWalker) value(n *ruleNode) error {
	if w.i >= len(w.src) {
		return errBadJSON
	}
	if n != nil && n.kids != nil {
		switch w.src[w.i] {
		case '{':
			return w.object(n)
		case '[':
			return w.array(n.kids["[]"])
		}
	}
	// No rule below: the value's bytes as they are.
	end, err := w.skip()
	if err != nil {
		return err
	}
	w.dst = append(w.dst, w.src[w.i:end]...)
	w.i = end
	return nil
}

func (w *jsonWalker) object(n *ruleNode) error {
	w.i++ // {
	w.dst = append(w.dst, '{')
	first := true
	for {
		w.space()
		if w.i >= len(w.src) {
			return errBadJSON
		}
		if w.src[w.i] == '}' {
			w.i++
			w.dst = append(w.dst, '}')
			return nil
		}
		if w.src[w.i] == ',' {
			w.i++
			w.space()
		}
		keyStart := w.i
		keyEnd, err := w.skipString()
		if err != nil {
			return err
		}
		kid, err := n.kid(w.src[keyStart:keyEnd])
		if err != nil {
			return err
		}
		w.i = keyEnd
		w.space()
		if w.i >= len(w.src) || w.src[w.i] != ':' {
			return errBadJSON
		}
		w.i++
		w.space()
		valStart := w.i
		valEnd, err := w.skip()
		if err != nil {
			return err
		}
		isNull := string(w.src[valStart:valEnd]) == "null"
		if kid != nil && (kid.action == drop || kid.action == omitNull && isNull) {
			w.i = valEnd
			continue
		}
		if !first {
			w.dst = append(w.dst, ',')
		}
		first = false
		w.dst = append(w.dst, w.src[keyStart:keyEnd]...)
		w.dst = append(w.dst, ':')
		if kid != nil && kid.action == emptyForNull && isNull {
			w.dst = append(w.dst, `""`...)
			w.i = valEnd
			continue
		}
		if err := w.value(kid); err != nil {
			return err
		}
	}
}

func (w *jsonWalker) array(item *ruleNode) error {
	w.i++ // [
	w.dst = append(w.dst, '[')
	for {
		w.space()
		if w.i >= len(w.src) {
			return errBadJSON
		}
		switch w.src[w.i] {
		case ']':
			w.i++
			w.dst = append(w.dst, ']')
			return nil
		case ',':
			w.i++
			w.space()
			w.dst = append(w.dst, ',')
		}
		if err := w.value(item); err != nil {
			return err
		}
	}
}

// skip returns the end of the value at w.i.
func (w *jsonWalker) skip() (int, error) {
	if w.i >= len(w.src) {
		return 0, errBadJSON
	}
	switch c := w.src[w.i]; c {
	case '"':
		return w.skipString()
	case '{', '[':
		depth := 0
		for j := w.i; j < len(w.src); j++ {
			switch w.src[j] {
			case '"':
				save := w.i
				w.i = j
				end, err := w.skipString()
				w.i = save
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errBadJSON
	default:
		j := w.i
		for j < len(w.src) && !strings.ContainsRune(",]} \n\t\r", rune(w.src[j])) {
			j++
		}
		if j == w.i {
			return 0, errBadJSON
		}
		return j, nil
	}
}

// skipString returns the end of the string that starts at w.i.
func (w *jsonWalker) skipString() (int, error) {
	if w.i >= len(w.src) || w.src[w.i] != '"' {
		return 0, errBadJSON
	}
	for j := w.i + 1; ; {
		k := bytes.IndexByte(w.src[j:], '"')
		if k < 0 {
			return 0, errBadJSON
		}
		end := j + k
		// The quote ends the string unless an odd run of backslashes escapes it.
		bs := 0
		for p := end - 1; p > w.i && w.src[p] == '\\'; p-- {
			bs++
		}
		if bs%2 == 0 {
			return end + 1, nil
		}
		j = end + 1
	}
}

// kid returns the rules below the object key q (quoted, as in the JSON); a key without
// escapes is looked up without decoding (and without allocating).
func (n *ruleNode) kid(q []byte) (*ruleNode, error) {
	if bytes.IndexByte(q, '\\') < 0 {
		return n.kids[string(q[1:len(q)-1])], nil
	}
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return nil, errBadJSON
	}
	return n.kids[s], nil
}
