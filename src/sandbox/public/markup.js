// Fleep message bodies are XML fragments rooted at <msg> (PROTOCOL.md §9.1). They are parsed
// as XML and rebuilt node by node from a whitelist; server text never reaches innerHTML.

/** Fleep tag → the HTML element that shows it. Unknown tags keep only their text. */
const TAGS = { p: 'p', b: 'strong', i: 'em', pre: 'pre', q: 'blockquote', mark: 'mark', code: 'code' };
const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:', 'ftp:']);

/** Parses a body; null when it is not well-formed XML. */
function parse(xml) {
  if (typeof xml !== 'string' || !xml.trim().startsWith('<')) return null;
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length > 0) return null;
  return doc.documentElement;
}

/** A link target we are willing to open, or null. */
function safeHref(href) {
  try {
    const url = new URL(href, 'https://invalid.example/');
    if (!SAFE_SCHEMES.has(url.protocol) || url.hostname === 'invalid.example') return null;
    return url.href;
  } catch {
    return null;
  }
}

/** Builds the DOM for one XML node's children into `parent`. */
function build(node, parent) {
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE || child.nodeType === Node.CDATA_SECTION_NODE) {
      parent.append(document.createTextNode(child.nodeValue ?? ''));
      continue;
    }
    if (child.nodeType !== Node.ELEMENT_NODE) continue;
    const tag = child.localName;
    if (tag === 'br') {
      parent.append(document.createElement('br'));
    } else if (tag === 'hr') {
      parent.append(document.createElement('hr'));
    } else if (tag === 'a') {
      const href = safeHref(child.getAttribute('href') ?? '');
      if (href) {
        const a = document.createElement('a');
        a.href = href;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        build(child, a);
        if (!a.textContent) a.textContent = href;
        parent.append(a);
      } else {
        build(child, parent);
      }
    } else if (tag === 'emo') {
      const span = document.createElement('span');
      span.className = 'emo';
      build(child, span);
      parent.append(span);
    } else if (tag === 'file') {
      const span = document.createElement('span');
      span.className = 'file';
      span.textContent = `📎 ${child.textContent ?? 'file'}`;
      parent.append(span);
    } else if (Object.hasOwn(TAGS, tag)) {
      const el = document.createElement(TAGS[tag]);
      build(child, el);
      parent.append(el);
    } else {
      build(child, parent);
    }
  }
}

/**
 * Renders a message body as a DocumentFragment. Bodies that are not XML are shown as text.
 * @param {string} xml
 */
export function renderBody(xml) {
  const frag = document.createDocumentFragment();
  const root = parse(xml);
  if (root) build(root, frag);
  else if (xml) frag.append(document.createTextNode(String(xml)));
  return frag;
}

/** Collects the plain text of a node: <br/> is a newline, paragraphs a blank line (§9.2). */
function toText(node, out) {
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE || child.nodeType === Node.CDATA_SECTION_NODE) {
      out.push(child.nodeValue ?? '');
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      const tag = child.localName;
      if (tag === 'br') out.push('\n');
      else if (tag === 'file') continue;
      else if (tag === 'p' || tag === 'pre') {
        if (out.length > 0) out.push('\n\n');
        if (tag === 'pre') out.push(':::\n');
        toText(child, out);
        if (tag === 'pre') out.push('\n:::');
      } else {
        // Keep the markup the author typed (*bold*, url<<label>>) so an edit round-trips.
        out.push(child.getAttribute('flp') ?? '');
        toText(child, out);
        out.push(child.getAttribute('fls') ?? '');
      }
    }
  }
}

/**
 * The plain text of a body, as the author would have typed it (for edit and previews).
 * @param {string} xml
 */
export function bodyText(xml) {
  const root = parse(xml);
  if (!root) return typeof xml === 'string' ? xml : '';
  const out = [];
  toText(root, out);
  return out.join('').trim();
}
