package readmodel

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// This file builds JSON the way encoding/json does, so that bodies assembled from pieces
// encoded once are byte for byte what json.Marshal produces for the whole value.

// mustJSON encodes v with encoding/json. Every value handed to it is a plain struct of
// strings, numbers, booleans and certsum.Time, which cannot fail to encode.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("readmodel: encode %T: %v", v, err))
	}
	return b
}

// safeASCII reports whether encoding/json writes s between quotes unchanged: printable
// ASCII without '"', '\\' and the HTML-escaped '<', '>' and '&'.
func safeASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// appendString appends s as a JSON string, escaped as encoding/json escapes it.
func appendString(dst []byte, s string) []byte {
	if safeASCII(s) {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	return append(dst, mustJSON(s)...)
}

// appendBool appends true or false.
func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

// cutSuffix returns b without suffix; ok is false when b does not end with it.
func cutSuffix(b []byte, suffix string) ([]byte, bool) {
	if !bytes.HasSuffix(b, []byte(suffix)) {
		return nil, false
	}
	return b[:len(b)-len(suffix)], true
}
