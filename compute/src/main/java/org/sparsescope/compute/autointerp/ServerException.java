package org.sparsescope.compute.autointerp;

import java.io.IOException;

/**
 * A server that could not give an answer: unreachable, timed out, an HTTP error, a reply that is not the API's
 * JSON, or a request the model cannot take. The message names the server's address and the problem, never the API key.
 */
public class ServerException extends IOException {
    private static final long serialVersionUID = 1L;

    public enum Kind {
        UNREACHABLE,
        TIMEOUT,
        HTTP_STATUS,
        MALFORMED,
        /** The model could not take the request as asked (a prompt longer than its context, a template refusing it). */
        REFUSED
    }

    private final Kind kind;
    private final int status;
    private final long retryAfterMillis;

    public ServerException(String server, Kind kind, int status, String problem, Throwable cause) {
        this(server, kind, status, problem, cause, -1);
    }

    public ServerException(
            String server, Kind kind, int status, String problem, Throwable cause, long retryAfterMillis) {
        super(server + ": " + problem, cause);
        this.kind = kind;
        this.status = status;
        this.retryAfterMillis = retryAfterMillis;
    }

    /** How long the server asked to wait (its Retry-After), -1 when it did not say. */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status for {@link Kind#HTTP_STATUS}, else 0. */
    public int status() {
        return status;
    }

    /** Worth another try: rate limits, server errors, time-outs, a dropped connection. */
    public boolean transientFailure() {
        return kind == Kind.TIMEOUT
                || kind == Kind.UNREACHABLE
                || (kind == Kind.HTTP_STATUS && (status == 429 || status >= 500));
    }
}
