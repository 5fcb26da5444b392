// Errors the ESL client reports. Every failure of a command is one of these, never a hang.

export class EslError extends Error {
  constructor(
    message: string,
    readonly node?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** FreeSWITCH answered `-ERR invalid` to our password. */
export class EslAuthError extends EslError {}

/** No connection is ready (connecting, reconnecting or closed). */
export class EslNotConnectedError extends EslError {}

/** The command got no reply in time. The command may still have been executed. */
export class EslTimeoutError extends EslError {
  constructor(
    message: string,
    node: string | undefined,
    readonly command: string,
    /** For bgapi: FreeSWITCH had accepted the job (+OK Job-UUID) before the wait ran out. */
    readonly accepted = false,
    readonly jobUuid?: string,
  ) {
    super(message, node);
  }
}

/**
 * The socket closed while the command was pending. For bgapi, `accepted` tells whether FreeSWITCH
 * had already taken the job: if so the originate may be running — reconcile by its uuid.
 */
export class EslConnectionClosedError extends EslError {
  constructor(
    message: string,
    node: string | undefined,
    readonly command: string,
    readonly accepted = false,
    readonly jobUuid?: string,
  ) {
    super(message, node);
  }
}

/** FreeSWITCH replied `-ERR …` to a command (event, filter, bgapi). api output is returned, not thrown. */
export class EslCommandError extends EslError {
  constructor(
    message: string,
    node: string | undefined,
    readonly reply: string,
  ) {
    super(message, node);
  }
}

/** The byte stream could not be parsed; the connection is dropped and re-established. */
export class EslProtocolError extends EslError {}
