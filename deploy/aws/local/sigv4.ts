// Checks the SigV4 header signature of a request to the rehearsal's Step Functions endpoint, the
// way AWS does (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html): the
// canonical request from the method, the path, the query, the headers the Authorization header
// names and the body's SHA-256; the string to sign; the signing key chain; a constant-time compare.
// Written independently of toq-media's signer, so a request it accepts was signed correctly.
import * as crypto from 'node:crypto';

export interface SigV4Check {
  ok: boolean;
  reason?: string;
  accessKeyId?: string;
}

const hmac = (key: crypto.BinaryLike, data: string) => crypto.createHmac('sha256', key).update(data, 'utf8').digest();
const sha256hex = (data: Buffer | string) => crypto.createHash('sha256').update(data).digest('hex');

// RFC 3986 encoding as SigV4 wants it (upper-case hex, unreserved characters kept).
const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function verifySigV4(method: string, rawUrl: string, headers: Record<string, string | string[] | undefined>,
  body: Buffer, service: string, secrets: Record<string, string>, now = new Date()): SigV4Check {
  const auth = String(headers['authorization'] ?? '');
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { ok: false, reason: 'no AWS4-HMAC-SHA256 Authorization header' };
  const [, accessKeyId, date, region, svc, signedHeaders, signature] = m;
  const secret = secrets[accessKeyId];
  if (secret === undefined) return { ok: false, reason: `unknown access key ${accessKeyId}`, accessKeyId };
  if (svc !== service) return { ok: false, reason: `signed for service ${svc}, not ${service}`, accessKeyId };
  const amzDate = String(headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date)) return { ok: false, reason: 'X-Amz-Date does not match the credential scope', accessKeyId };
  const t = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (Math.abs(now.getTime() - t) > 15 * 60 * 1000) return { ok: false, reason: 'X-Amz-Date is more than 15 minutes off', accessKeyId };
  const url = new URL(rawUrl, 'http://localhost');
  const query = [...url.searchParams.entries()].map(([k, v]) => [encode(k), encode(v)]).sort()
    .map(([k, v]) => `${k}=${v}`).join('&');
  const names = signedHeaders.split(';');
  if (!names.includes('host')) return { ok: false, reason: 'host is not signed', accessKeyId };
  const canonicalHeaders = names.map((n) => {
    const v = headers[n];
    const value = Array.isArray(v) ? v.join(',') : (v ?? '');
    return `${n}:${value.trim().replace(/\s+/g, ' ')}\n`;
  }).join('');
  const payloadHash = String(headers['x-amz-content-sha256'] ?? sha256hex(body));
  const canonical = [method, url.pathname || '/', query, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/${svc}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${secret}`, date);
  for (const part of [region, svc, 'aws4_request']) key = hmac(key, part);
  const expected = crypto.createHmac('sha256', key).update(stringToSign, 'utf8').digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'SignatureDoesNotMatch', accessKeyId };
  }
  if (payloadHash !== sha256hex(body)) return { ok: false, reason: 'the body does not match x-amz-content-sha256', accessKeyId };
  return { ok: true, accessKeyId };
}
