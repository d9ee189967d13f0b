'use strict';
/** In-memory notes for local runs and tests, with MongoDB's query semantics through mingo. */
const { Query } = require('mingo');
const { ObjectId } = require('mongodb');
const { NEWEST_FIRST, LIST_LIMIT, isNoteId, toNote } = require('./notes-query');

function createMemoryRepository() {
  let docs = [];
  return {
    kind: 'memory',
    async list() {
      return new Query({}).find(docs).sort(NEWEST_FIRST).limit(LIST_LIMIT).all().map(toNote);
    },
    async add({ text, author }) {
      const doc = { _id: new ObjectId().toHexString(), text, author, createdAt: new Date() };
      docs.push(doc);
      return toNote(doc);
    },
    async remove(id) {
      if (!isNoteId(id)) return false;
      const match = new Query({ _id: id });
      const before = docs.length;
      docs = docs.filter((doc) => !match.test(doc));
      return docs.length < before;
    },
    async ping() {},
    async close() {},
  };
}

module.exports = { createMemoryRepository };
