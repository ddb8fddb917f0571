/** The REST calls tests and benchmarks make against a ClassBridge server, in-process or not. */
export interface RestClient {
  /** Calls the REST API, with the admin key unless other headers are given; JSON bodies are parsed. */
  api(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** Mints a token through the REST API, as an operator would. */
  mintToken(lessonId: string, body: Record<string, unknown>): Promise<string>;
}

export function restClient(url: string, adminKey: string): RestClient {
  const api: RestClient['api'] = async (method, route, body, headers = { 'x-api-key': adminKey }) => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (metrics, pages)
    }
    return { status: response.status, body: parsed };
  };
  return {
    api,
    async mintToken(lessonId, body) {
      const answer = await api('POST', `/api/lessons/${encodeURIComponent(lessonId)}/tokens`, body);
      if (answer.status !== 201) throw new Error(`mint failed: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body.token as string;
    },
  };
}
