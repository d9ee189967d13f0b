'use strict';
/** Server-rendered pages. Every user value goes through escapeHtml, so markup in a note shows as text. */
const { LIMITS } = require('./notes-input');

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

function layout({ title, body, version, commit }) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/styles.css">
</head>
<body>
<header><h1>Team notes</h1></header>
<main>
${body}
</main>
<footer>turbo-notes <span class="version">v${escapeHtml(version)}</span> · commit <span class="commit">${escapeHtml(commit.slice(0, 12))}</span></footer>
</body>
</html>
`;
}

function noteItem(note) {
  return `<li class="note">
<p class="text">${escapeHtml(note.text)}</p>
<div class="meta"><span class="author">${escapeHtml(note.author)}</span> · <time datetime="${note.createdAt.toISOString()}">${note.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC</time>
<form method="post" action="/notes/${escapeHtml(note.id)}/delete"><button type="submit" class="delete" aria-label="Delete note">Delete</button></form></div>
</li>`;
}

function notesPage({ notes, version, commit }) {
  const list = notes.length
    ? `<ul class="notes">\n${notes.map(noteItem).join('\n')}\n</ul>`
    : '<p class="empty">No notes yet. Add the first one.</p>';
  const form = `<form class="add" method="post" action="/notes">
<label>Note <textarea name="text" required maxlength="${LIMITS.text}" rows="3"></textarea></label>
<label>Your name <input name="author" maxlength="${LIMITS.author}" autocomplete="name"></label>
<button type="submit">Add note</button>
</form>`;
  return layout({ title: 'Team notes', body: `${form}\n${list}`, version, commit });
}

function errorPage({ statusCode, message, version, commit }) {
  const body = `<section class="error" role="alert"><h2>${statusCode}</h2><p>${escapeHtml(message)}</p><p><a href="/">Back to the notes</a></p></section>`;
  return layout({ title: `Error ${statusCode}`, body, version, commit });
}

module.exports = { escapeHtml, notesPage, errorPage };
