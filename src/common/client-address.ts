import { isIP } from 'node:net';

import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The client's IP address: the nearest address that TRUST_PROXY does not vouch for, as Fastify
     * reads `X-Forwarded-For`, skipping forwarded values that are not IP addresses. Null only for a
     * request whose socket has already closed.
     */
    clientAddress: string | null;
  }
}

/** `::ffff:192.0.2.1` is the IPv4 client 192.0.2.1, whichever way the socket reports it. */
const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

function asIpAddress(value: string | undefined): string | null {
  if (value === undefined) {
    return null;
  }
  const trimmed = value.trim();
  if (isIP(trimmed) === 0) {
    return null;
  }
  return IPV4_MAPPED.exec(trimmed)?.[1] ?? trimmed.toLowerCase();
}

/**
 * Fastify's `request.ips` is the socket's address followed by the forwarded ones it trusts to
 * have been added by a proxy; its last entry is `request.ip`. That entry is whatever a client
 * put in the header, so it is believed only if it is an IP address; otherwise the hop before it
 * (a proxy, or the socket itself) is the client as far as Warden can tell.
 */
function clientAddressOf(request: FastifyRequest): string | null {
  const chain = request.ips ?? [request.ip];
  for (let hop = chain.length - 1; hop >= 0; hop--) {
    const address = asIpAddress(chain[hop]);
    if (address) {
      return address;
    }
  }
  return null;
}

const CLIENT_ADDRESS = Symbol('clientAddress');

/** `request.clientAddress`, worked out once per request, on first use. */
export function decorateClientAddress(fastify: FastifyInstance): void {
  fastify.decorateRequest('clientAddress', {
    getter(this: FastifyRequest & { [CLIENT_ADDRESS]?: string | null }) {
      if (this[CLIENT_ADDRESS] === undefined) {
        this[CLIENT_ADDRESS] = clientAddressOf(this);
      }
      return this[CLIENT_ADDRESS];
    },
  });
}
