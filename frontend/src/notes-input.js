'use strict';
/**
 * Checks a submitted note before anything reaches a query: only known string fields pass, so operator
 * documents ({"$gt": ""}), `$` keys and arrays are refused with a 400 that names the field.
 */
const LIMITS = Object.freeze({ text: 1000, author: 60 });
const FIELDS = Object.keys(LIMITS);

class BadInputError extends Error {
  constructor(message) {
    super(message);
    this.name = 'BadInputError';
    this.statusCode = 400;
  }
}

function describe(value) {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function parseNoteInput(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadInputError(`the body must be a form or a JSON object with the field text, got ${describe(body)}`);
  }
  for (const key of Object.keys(body)) {
    if (key.startsWith('$')) throw new BadInputError(`field "${key}" is refused: names starting with $ are not allowed`);
    if (!FIELDS.includes(key)) throw new BadInputError(`field "${key}" is unknown: a note has only ${FIELDS.join(' and ')}`);
    if (typeof body[key] !== 'string') throw new BadInputError(`field "${key}" must be text, got ${describe(body[key])}`);
  }
  const text = (body.text ?? '').trim();
  const author = (body.author ?? '').trim() || 'anonymous';
  if (text === '') throw new BadInputError('field "text" is required: write something in the note');
  for (const [field, value] of Object.entries({ text, author })) {
    if (value.length > LIMITS[field]) {
      throw new BadInputError(`field "${field}" has ${value.length} characters; the limit is ${LIMITS[field]}`);
    }
  }
  return { text, author };
}

module.exports = { parseNoteInput, BadInputError, LIMITS };
