/**
 * MSAL's INetworkModule over our transport, so token requests use the same explicit
 * trust (sandbox CA) and timeouts as Graph calls.
 *
 * POST bodies carry the client secret: they are sent and forgotten, never echoed in an
 * error. Failures surface as TransportError (fixed text), which MSAL wraps as a
 * `network_error` that classify maps to provider_unavailable.
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { headerRecord, httpRequest, readText } from './transport.ts';

export interface MsalNetworkOptions {
  caPem?: string;
  timeoutMs: number;
  /** Observes every URL MSAL asks for (tests prove no discovery call is made). */
  onRequest?: (method: 'GET' | 'POST', url: string) => void;
}

async function send<T>(
  opts: MsalNetworkOptions,
  method: 'GET' | 'POST',
  url: string,
  options: NetworkRequestOptions | undefined,
  timeout: number | undefined,
): Promise<NetworkResponse<T>> {
  opts.onRequest?.(method, url);
  const response = await httpRequest({
    method,
    url,
    headers: options?.headers,
    body: method === 'POST' ? (options?.body ?? '') : undefined,
    timeoutMs: timeout && timeout > 0 ? Math.min(timeout, opts.timeoutMs) : opts.timeoutMs,
    caPem: opts.caPem,
  });
  const text = await readText(response);
  let body: unknown;
  try {
    body = text.length > 0 ? JSON.parse(text) : {};
  } catch {
    // A non-JSON answer (proxy error page, 502 from a gateway) still has a status that
    // MSAL and classify understand; hand over an empty object rather than the page.
    body = {};
  }
  // MSAL only treats a response as failed when the body has `error`; make sure a bare
  // 5xx/4xx (gateway page, empty body) is not mistaken for a token response.
  if (response.status >= 400 && (typeof body !== 'object' || body === null || !('error' in body))) {
    body = { error: response.status >= 500 ? 'temporarily_unavailable' : 'invalid_request', error_description: `HTTP ${response.status}` };
  }
  return { headers: headerRecord(response), body: body as T, status: response.status };
}

export function createMsalNetworkClient(opts: MsalNetworkOptions): INetworkModule {
  return {
    sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number) {
      return send<T>(opts, 'GET', url, options, timeout);
    },
    sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions) {
      return send<T>(opts, 'POST', url, options, undefined);
    },
  };
}
