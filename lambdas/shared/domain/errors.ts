/** Named domain errors. Each carries the HTTP status and the stable code clients see. */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Response headers that belong to the error (`Retry-After`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** Fields the error's body carries beside `code` and `message` (a schema's violations). */
  get details(): Record<string, unknown> | undefined {
    return undefined;
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, code = 'validation_error') {
    super(400, code, message);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = 'Missing or invalid API key. Send "Authorization: Bearer <key>".') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, code = 'not_found') {
    super(404, code, `${what} not found`);
  }
}

export class ConflictError extends DomainError {
  constructor(code: string, message: string) {
    super(409, code, message);
  }
}

export class PayloadTooLargeError extends DomainError {
  constructor(message: string) {
    super(413, 'payload_too_large', message);
  }
}

export class UnsupportedMediaTypeError extends DomainError {
  constructor(message: string) {
    super(415, 'unsupported_media_type', message);
  }
}

export class HeadersTooLargeError extends DomainError {
  constructor(message: string) {
    super(431, 'headers_too_large', message);
  }
}

export class TooManyRequestsError extends DomainError {
  constructor(retryAfterSeconds: number) {
    super(429, 'rate_limited', `Too many requests for this tenant; retry after ${retryAfterSeconds} s.`, {
      'retry-after': String(retryAfterSeconds),
    });
  }
}
