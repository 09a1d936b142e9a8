// Offline JSON-LD document loader for Carnet's JavaScript reference peer.
//
// It serves, and nothing else:
//   1. the JSON-LD contexts bundled in the Python package (carnet/credentials/contexts), read from
//      the files named in a JSON map {url: absolute path} that the Python side writes and passes in
//      the environment variable CARNET_CONTEXTS_MAP (or as the argument of loadContextsMap);
//   2. documents the caller supplies for one request ({url or DID: document}): did:web DID
//      documents, issuer profiles, status list credentials, extra contexts for test vectors. A DID
//      URL with a fragment (did:web:example.org#key-1) is answered with the matching verification
//      method of the supplied DID document;
//   3. did:key (Ed25519, z6Mk…) DID documents and verification methods, built offline.
// Any other URL throws: the peer never touches the network.

import {readFileSync} from 'node:fs';

export const DID_V1 = 'https://www.w3.org/ns/did/v1';
export const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';

const RELATIONSHIPS = [
  'authentication', 'assertionMethod', 'capabilityDelegation',
  'capabilityInvocation'
];
const BASE58_ALPHABET =
  '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function deepFreeze(value) {
  if(value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for(const child of Object.values(value)) {
      deepFreeze(child);
    }
  }
  return value;
}

// {url: parsed context}, loaded once. The contexts are frozen: they are shared by all requests
// and a processor that tried to modify one would fail loudly instead of corrupting later runs.
export function loadContextsMap(mapPath = process.env.CARNET_CONTEXTS_MAP) {
  if(!mapPath) {
    throw new Error(
      'CARNET_CONTEXTS_MAP is not set: it must name a JSON file mapping each ' +
      'bundled context URL to the absolute path of its file');
  }
  const map = JSON.parse(readFileSync(mapPath, 'utf8'));
  const contexts = new Map();
  for(const [url, path] of Object.entries(map)) {
    contexts.set(url, deepFreeze(JSON.parse(readFileSync(path, 'utf8'))));
  }
  if(contexts.size === 0) {
    throw new Error(`${mapPath} names no context`);
  }
  return contexts;
}

function base58Decode(text) {
  let value = 0n;
  for(const char of text) {
    const digit = BASE58_ALPHABET.indexOf(char);
    if(digit < 0) {
      throw new Error('invalid base58btc character');
    }
    value = value * 58n + BigInt(digit);
  }
  const bytes = [];
  for(; value > 0n; value >>= 8n) {
    bytes.push(Number(value & 0xffn));
  }
  for(const char of text) {
    if(char !== '1') {
      break;
    }
    bytes.push(0);
  }
  return Uint8Array.from(bytes.reverse());
}

// The DID document of an Ed25519 did:key, as @digitalbazaar/did-method-key builds it (Multikey
// verification method, listed for every verification relationship; no X25519 keyAgreement key).
export function didKeyDocument(did) {
  const multibase = did.slice('did:key:'.length);
  if(!multibase.startsWith('z6Mk') || /[:/?#]/.test(multibase)) {
    throw new Error(`only Ed25519 did:key identifiers are supported: ${did}`);
  }
  const raw = base58Decode(multibase.slice(1));
  if(raw.length !== 34 || raw[0] !== 0xed || raw[1] !== 0x01) {
    throw new Error(`malformed Ed25519 did:key: ${did}`);
  }
  const id = `${did}#${multibase}`;
  const document = {
    '@context': [DID_V1, MULTIKEY_V1],
    id: did,
    verificationMethod: [{
      id, type: 'Multikey', controller: did, publicKeyMultibase: multibase
    }]
  };
  for(const relationship of RELATIONSHIPS) {
    document[relationship] = [id];
  }
  return document;
}

// The verification method `url` (a DID URL or URL with a fragment) inside controller `document`.
function findVerificationMethod(document, base, url) {
  const absolute = id => typeof id === 'string' && id.startsWith('#') ?
    base + id : id;
  const candidates = [];
  for(const key of ['verificationMethod', ...RELATIONSHIPS]) {
    const values = document[key];
    for(const value of Array.isArray(values) ? values : [values]) {
      if(value && typeof value === 'object') {
        candidates.push(value);
      }
    }
  }
  const method = candidates.find(candidate => absolute(candidate.id) === url);
  if(!method) {
    return undefined;
  }
  const context = document['@context'];
  const result = {...method, id: url};
  if(!('@context' in result)) {
    result['@context'] = Array.isArray(context) && context.includes(MULTIKEY_V1) ?
      MULTIKEY_V1 : context;
  }
  if(typeof result.controller === 'string') {
    result.controller = absolute(result.controller);
  }
  return result;
}

export function createDocumentLoader({contexts, documents = {}} = {}) {
  if(documents === null || typeof documents !== 'object' ||
    Array.isArray(documents)) {
    throw new TypeError('"documents" must be a JSON object {url: document}');
  }
  const supplied = new Map(Object.entries(documents));
  return async function documentLoader(url) {
    const answer = document => ({contextUrl: null, documentUrl: url, document});
    if(typeof url !== 'string') {
      throw new TypeError('a URL to load must be a string');
    }
    if(contexts.has(url)) {
      return answer(contexts.get(url));
    }
    if(supplied.has(url)) {
      return answer(supplied.get(url));
    }
    const [base, fragment] = url.split('#', 2);
    let controllerDocument;
    if(supplied.has(base)) {
      controllerDocument = supplied.get(base);
    } else if(base.startsWith('did:key:')) {
      controllerDocument = didKeyDocument(base);
    }
    if(controllerDocument !== undefined) {
      if(fragment === undefined) {
        return answer(controllerDocument);
      }
      const method = findVerificationMethod(controllerDocument, base, url);
      if(method) {
        return answer(method);
      }
      throw new Error(`${base} has no verification method ${url}`);
    }
    throw new Error(
      `carnet interop loader refuses to load "${url}": it is neither a ` +
      'bundled context, nor a document supplied with the request, nor a did:key ' +
      '(nothing is fetched from the network)');
  };
}
