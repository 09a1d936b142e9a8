// Carnet's JavaScript reference peer: the Digital Bazaar stack (@digitalbazaar/vc,
// data-integrity, eddsa-rdfc-2022-cryptosuite, ed25519-multikey, jsonld) behind a JSON-lines
// protocol on stdin/stdout, so that Python tests and benchmarks start node once.
//
// One JSON request per line in, one JSON response per line out, in order. Every request may carry
// an "id", echoed in its response. Operations:
//
//   {"op":"sign","credential":{…},"key":{Multikey with secretKeyMultibase},
//    "documents":{…}?,"created":"2024-…Z"?}
//     → {"ok":true,"signed":{…}}
//   {"op":"verify","credential":{…},"documents":{…}?,"now":"…"?,"check_status":true?}
//     → {"ok":true,"verified":bool,"error":"…"|null,"statuses":[…]?}
//   {"op":"sign_presentation","presentation":{…},"key":{…},"challenge":"…"?,"domain":"…"?,
//    "documents":{…}?,"created":"…"?}
//     → {"ok":true,"signed":{…}}   (vc.signPresentation: proofPurpose authentication)
//   {"op":"verify_presentation","presentation":{…},"challenge":"…","domain":"…"?,"documents":{…}?,
//    "now":"…"?}
//     → {"ok":true,"verified":bool,"error":"…"|null,"presentation_verified":bool,
//        "credentials_verified":[bool…]}
//   {"op":"canonize","document":{…},"documents":{…}?,"safe":true?}
//     → {"ok":true,"nquads":"…"}
//   {"op":"bench","credential":{…},"key":{…},"seconds":5}
//     → {"ok":true,"sign_per_s":…,"verify_per_s":…,"rss_mb":…,…}
//   {"op":"load","url":"…","documents":{…}?} → {"ok":true,"document":{…}} (what the loader serves)
//   {"op":"versions"} → {"ok":true,"node":"…","packages":{…}}
//   {"op":"ping"} → {"ok":true}
//
// Failures are answered {"ok":false,"error":"message"}; the loop never dies on bad input.
// Documents are loaded only by ./loader.mjs (bundled contexts, supplied documents, did:key):
// never from the network. JSON-LD safe mode is on everywhere (the stack's default, kept explicit).

import {createInterface} from 'node:readline';
import {readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {checkStatus as checkBitstringStatus} from
  '@digitalbazaar/vc-bitstring-status-list';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {createDocumentLoader, loadContextsMap} from './loader.mjs';

const PACKAGES = [
  '@digitalbazaar/vc', '@digitalbazaar/data-integrity',
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite',
  '@digitalbazaar/ed25519-multikey', '@digitalbazaar/vc-bitstring-status-list',
  'jsonld', 'jsonld-signatures', 'rdf-canonize'
];

const contexts = loadContextsMap(process.argv[2] || process.env.CARNET_CONTEXTS_MAP);

function requireObject(request, name) {
  const value = request[name];
  if(value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`"${name}" must be a JSON object`);
  }
  return value;
}

// The message of an error and of the errors it wraps (jsonld-signatures' VerificationError holds
// an `errors` array; status and jsonld errors chain through `cause` and `details`).
function describe(error, seen = new Set()) {
  if(error === null || error === undefined || seen.has(error)) {
    return '';
  }
  if(typeof error !== 'object') {
    return String(error);
  }
  seen.add(error);
  const parts = [];
  const own = [error.name && error.name !== 'Error' ? error.name : '',
    error.message].filter(Boolean).join(': ');
  if(own) {
    parts.push(own);
  }
  // jsonld safe-mode errors carry the offending event: code, message, property or value.
  const event = error.details && typeof error.details === 'object' ?
    error.details.event : undefined;
  if(event && typeof event === 'object') {
    const about = event.details && typeof event.details === 'object' ?
      JSON.stringify(event.details) : '';
    parts.push(`[${[event.code, event.message, about].filter(Boolean).join('; ')}]`);
  } else if(error.details && typeof error.details === 'object' &&
    error.details.code) {
    parts.push(`[${error.details.code}]`);
  }
  const detailsCause = error.details && typeof error.details === 'object' ?
    error.details.cause : undefined;
  for(const inner of [...(Array.isArray(error.errors) ? error.errors : []),
    error.cause, detailsCause]) {
    const text = describe(inner, seen);
    if(text && !parts.includes(text)) {
      parts.push(text);
    }
  }
  return parts.join(' <- ') || 'unknown error';
}

async function importKey(key) {
  if(key === null || typeof key !== 'object' || Array.isArray(key)) {
    throw new TypeError('"key" must be a Multikey JSON object');
  }
  if(typeof key.secretKeyMultibase !== 'string') {
    throw new TypeError('"key" has no secretKeyMultibase: it cannot sign');
  }
  // Ed25519Multikey.from accepts both a 32-byte seed (0x8026 ‖ seed, what Carnet writes) and the
  // 64-byte seed ‖ public key the library itself exports. It does not check that the secret key
  // matches publicKeyMultibase, so do it here: a mismatch would sign with one key and name another.
  const keyPair = await Ed25519Multikey.from(key);
  const check = await Ed25519Multikey.generate({seed: keyPair.secretKey.subarray(0, 32)});
  if(check.publicKeyMultibase !== keyPair.publicKeyMultibase) {
    throw new Error('the secret key does not match publicKeyMultibase');
  }
  if(!keyPair.id) {
    throw new TypeError('"key" has no id (the verification method of the proof)');
  }
  return keyPair;
}

async function sign({credential, keyPair, documentLoader, created}) {
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(),
    cryptosuite: eddsaRdfc2022CryptoSuite,
    ...(created === undefined ? {} : {date: created})
  });
  return vc.issue({credential, suite, documentLoader});
}

async function signPresentation({presentation, keyPair, documentLoader, created, challenge,
  domain}) {
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(),
    cryptosuite: eddsaRdfc2022CryptoSuite,
    ...(created === undefined ? {} : {date: created})
  });
  return vc.signPresentation({presentation, suite, documentLoader, challenge, domain});
}

async function verifyPresentation({presentation, documentLoader, now, challenge, domain}) {
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
  // AuthenticationProofPurpose with the challenge and domain; each credential inside with
  // CredentialIssuancePurpose, its status checked as `verify` does.
  return vc.verify({
    presentation, suite, documentLoader, challenge, domain,
    checkStatus: opts => checkBitstringStatus({
      ...opts, verifyBitstringStatusListCredential: true, verifyMatchingIssuers: true
    }),
    ...(now === undefined ? {} : {now})
  });
}

function statusEntries(credential) {
  const status = credential.credentialStatus;
  return status === undefined ? [] : Array.isArray(status) ? status : [status];
}

async function verify({credential, documentLoader, now, checkStatus = true}) {
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
  const options = {
    credential,
    suite,
    documentLoader,
    // CredentialIssuancePurpose: an AssertionProofPurpose (the verification method must be listed
    // under assertionMethod by its controller) that also requires issuer == that controller.
    purpose: new vc.CredentialIssuancePurpose(),
    ...(now === undefined ? {} : {now})
  };
  if(statusEntries(credential).length > 0) {
    options.checkStatus = checkStatus ?
      opts => checkBitstringStatus({
        ...opts, verifyBitstringStatusListCredential: true,
        verifyMatchingIssuers: true
      }) :
      async () => ({verified: true, skipped: true});
  }
  return vc.verifyCredential(options);
}

function verifyResponse(result) {
  const errors = [];
  if(result.error) {
    errors.push(describe(result.error));
  }
  for(const entry of result.results || []) {
    if(entry.error) {
      const text = describe(entry.error);
      if(!errors.some(known => known.includes(text))) {
        errors.push(text);
      }
    }
  }
  const response = {ok: true, verified: result.verified === true};
  const statusResult = result.statusResult;
  if(statusResult) {
    if(statusResult.error) {
      errors.push('status: ' + describe(statusResult.error));
    }
    if(Array.isArray(statusResult.results)) {
      // `status` is the bit of the list at the entry's index: true = revoked / suspended. The
      // reference reports it and leaves `verified` true: acting on it is up to the verifier.
      response.statuses = statusResult.results.map(({credentialStatus, status}) => ({
        statusPurpose: credentialStatus.statusPurpose,
        statusListIndex: credentialStatus.statusListIndex,
        statusListCredential: credentialStatus.statusListCredential,
        status
      }));
    }
  }
  response.error = response.verified && errors.length === 0 ? null :
    errors.join(' | ') || 'not verified (no reason given)';
  return response;
}

function loaderFor(request) {
  return createDocumentLoader({contexts, documents: request.documents ?? {}});
}

async function timeLoop(seconds, body) {
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  let count = 0;
  do {
    await body();
    ++count;
  } while(performance.now() < deadline);
  return count / ((performance.now() - start) / 1000);
}

function versions() {
  const packages = {};
  for(const name of PACKAGES) {
    const url = new URL(`./node_modules/${name}/package.json`, import.meta.url);
    try {
      packages[name] = JSON.parse(readFileSync(url, 'utf8')).version;
    } catch{
      packages[name] = null;
    }
  }
  return {node: process.version, packages};
}

const operations = {
  async ping() {
    return {};
  },
  async versions() {
    return versions();
  },
  async sign(request) {
    const credential = requireObject(request, 'credential');
    const keyPair = await importKey(request.key);
    const signed = await sign({
      credential, keyPair, documentLoader: loaderFor(request),
      created: request.created
    });
    return {signed};
  },
  async verify(request) {
    const credential = requireObject(request, 'credential');
    const result = await verify({
      credential, documentLoader: loaderFor(request), now: request.now,
      checkStatus: request.check_status !== false
    });
    const {ok, ...rest} = verifyResponse(result);
    return rest;
  },
  async sign_presentation(request) {
    const presentation = requireObject(request, 'presentation');
    const keyPair = await importKey(request.key);
    const signed = await signPresentation({
      presentation, keyPair, documentLoader: loaderFor(request),
      created: request.created, challenge: request.challenge, domain: request.domain
    });
    return {signed};
  },
  async verify_presentation(request) {
    const presentation = requireObject(request, 'presentation');
    const result = await verifyPresentation({
      presentation, documentLoader: loaderFor(request), now: request.now,
      challenge: request.challenge, domain: request.domain
    });
    const errors = [];
    if(result.error) {
      errors.push(describe(result.error));
    }
    for(const credentialResult of result.credentialResults || []) {
      if(!credentialResult.verified) {
        errors.push('credential: ' + describe(credentialResult.error));
      }
    }
    return {
      verified: result.verified === true,
      error: result.verified === true ? null : errors.join(' | ') || 'not verified',
      presentation_verified: result.presentationResult?.verified === true,
      credentials_verified: (result.credentialResults || []).map(r => r.verified === true)
    };
  },
  async load(request) {
    if(typeof request.url !== 'string') {
      throw new TypeError('"url" must be a string');
    }
    const {document} = await loaderFor(request)(request.url);
    return {document};
  },
  async canonize(request) {
    const document = requireObject(request, 'document');
    // exactly the canonicalisation of the eddsa-rdfc-2022 cryptosuite: jsonld.toRDF (safe mode,
    // rdfDirection i18n-datatype, base null) then RDFC-1.0 to N-Quads.
    const nquads = await eddsaRdfc2022CryptoSuite.canonize(document, {
      documentLoader: loaderFor(request),
      safe: request.safe !== false
    });
    return {nquads};
  },
  async bench(request) {
    const credential = requireObject(request, 'credential');
    const keyPair = await importKey(request.key);
    const documentLoader = loaderFor(request);
    const seconds = Number(request.seconds ?? 5);
    if(!(seconds > 0 && seconds <= 600)) {
      throw new RangeError('"seconds" must be in (0, 600]');
    }
    const warmup = Math.min(1, seconds / 5);
    const text = JSON.stringify(credential);
    // every operation gets a fresh copy of the document and a fresh suite, as a server would: no
    // cached hash of a previous run may be reused.
    const signOnce = () => sign({
      credential: JSON.parse(text), keyPair, documentLoader
    });
    const signed = await signOnce();
    const signedText = JSON.stringify(signed);
    const verifyOnce = async () => {
      const result = await verify({credential: JSON.parse(signedText), documentLoader});
      if(!result.verified) {
        throw new Error('bench: verification failed: ' + describe(result.error));
      }
    };
    await verifyOnce();
    await timeLoop(warmup, signOnce);
    const signPerS = await timeLoop(seconds, signOnce);
    await timeLoop(warmup, verifyOnce);
    const verifyPerS = await timeLoop(seconds, verifyOnce);
    return {
      sign_per_s: signPerS,
      verify_per_s: verifyPerS,
      rss_mb: process.memoryUsage().rss / (1024 * 1024),
      seconds,
      ...versions()
    };
  }
};

async function handle(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch(error) {
    return {ok: false, error: `invalid JSON request: ${error.message}`};
  }
  const id = request && typeof request === 'object' ? request.id : undefined;
  const withId = response => id === undefined ? response : {id, ...response};
  try {
    if(request === null || typeof request !== 'object' || Array.isArray(request)) {
      throw new TypeError('a request must be a JSON object');
    }
    const operation = Object.hasOwn(operations, request.op) ?
      operations[request.op] : undefined;
    if(!operation) {
      throw new Error(`unknown op ${JSON.stringify(request.op)}; known: ` +
        Object.keys(operations).join(', '));
    }
    return withId({ok: true, ...await operation(request)});
  } catch(error) {
    return withId({ok: false, error: describe(error)});
  }
}

function write(response) {
  let text;
  try {
    text = JSON.stringify(response);
  } catch(error) {
    text = JSON.stringify({ok: false, error: `unserialisable response: ${error.message}`});
  }
  process.stdout.write(text + '\n');
}

// stdout carries the protocol only: anything a library logs goes to stderr.
for(const name of ['log', 'info', 'debug', 'warn']) {
  console[name] = (...args) => console.error(...args);
}

process.on('unhandledRejection', error => {
  process.stderr.write(`carnet peer: unhandled rejection: ${describe(error)}\n`);
});

// Requests are handled one after the other, so responses come back in request order.
let queue = Promise.resolve();
const lines = createInterface({input: process.stdin, crlfDelay: Infinity, terminal: false});
lines.on('line', line => {
  if(line.trim() === '') {
    return;
  }
  queue = queue.then(() => handle(line)).then(write, error => write({
    ok: false, error: `internal error: ${describe(error)}`
  }));
});
lines.on('close', () => {
  queue.then(() => process.exit(0));
});
