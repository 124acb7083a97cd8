// Package readmodel keeps certifications in memory so that the summary read path — identity
// summaries, access summaries, the decision summary, review items and certification lists —
// answers from indexes whose cost per page does not grow with the offset, counts in
// O(log n), and writes rows whose JSON was encoded once.
//
// A Model wraps a certsum.Store: writes go through to the store (the store of record) and
// then update the model in place; reads are answered from memory only after proving that
// the model matches the store at that moment — a change mark (certsum.ChangeMark) that has
// not moved since the model was last checked, or else the certification's version read from
// the store. A model that is behind is rebuilt in the background while the store answers.
// Memory is bounded by a budget; the least recently used certifications are evicted and
// rebuilt on demand.
package readmodel
