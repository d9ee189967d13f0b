'use strict';
/**
 * The query documents both repositories apply: the MongoDB driver sends them to the server, the in-memory
 * repository evaluates them with mingo. One definition keeps the two adapters' semantics the same.
 */
const NEWEST_FIRST = Object.freeze({ createdAt: -1, _id: -1 });
const LIST_LIMIT = 200;
const NOTE_ID = /^[0-9a-f]{24}$/;

function isNoteId(id) {
  return typeof id === 'string' && NOTE_ID.test(id);
}

function toNote(doc) {
  return { id: String(doc._id), text: doc.text, author: doc.author, createdAt: new Date(doc.createdAt) };
}

module.exports = { NEWEST_FIRST, LIST_LIMIT, isNoteId, toNote };
