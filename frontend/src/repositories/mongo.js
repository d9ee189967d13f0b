'use strict';
/** Notes in MongoDB through the official driver. The database is the one named in the URI's path. */
const { MongoClient, ObjectId } = require('mongodb');
const { NEWEST_FIRST, LIST_LIMIT, isNoteId, toNote } = require('./notes-query');

const COLLECTION = 'notes';

function createMongoRepository({ uri, username, password, serverSelectionTimeoutMS = 5000 }) {
  const client = new MongoClient(uri, {
    appName: 'turbo-notes',
    serverSelectionTimeoutMS,
    ...(username ? { auth: { username, password } } : {}),
  });
  // The driver connects on first use and reconnects by itself, so a MongoDB that starts later is picked up.
  const db = client.db();
  const notes = db.collection(COLLECTION);
  return {
    kind: 'mongodb',
    async list() {
      const docs = await notes.find({}).sort(NEWEST_FIRST).limit(LIST_LIMIT).toArray();
      return docs.map(toNote);
    },
    async add({ text, author }) {
      const doc = { _id: new ObjectId(), text, author, createdAt: new Date() };
      await notes.insertOne(doc);
      return toNote(doc);
    },
    async remove(id) {
      if (!isNoteId(id)) return false;
      const result = await notes.deleteOne({ _id: ObjectId.createFromHexString(id) });
      return result.deletedCount === 1;
    },
    async ping() {
      await db.command({ ping: 1 });
    },
    async close() {
      await client.close();
    },
  };
}

module.exports = { createMongoRepository };
