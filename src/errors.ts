/**
 * Every error Errand means a user to read. Each has a stable string `code` from one enum, so tests and
 * callers branch on the code, never on the wording. Anything that is not an ErrandError is a bug: it is
 * logged with its stack and the user gets a short apology with an id.
 */
export enum ErrorCode {
  ConfigInvalid = "CONFIG_INVALID",
  UsageError = "USAGE_ERROR",
  UnknownCommand = "UNKNOWN_COMMAND",
  DuplicateCommand = "DUPLICATE_COMMAND",
  NotAllowed = "NOT_ALLOWED",
  MessageTooLong = "MESSAGE_TOO_LONG",
  DocsInvalid = "DOCS_INVALID",
  StorageLocked = "STORAGE_LOCKED",
  NotFound = "NOT_FOUND",
  ManifestInvalid = "MANIFEST_INVALID",
  IncompatiblePlugin = "INCOMPATIBLE_PLUGIN",
  BuildFailed = "BUILD_FAILED",
  PluginConfigInvalid = "PLUGIN_CONFIG_INVALID",
  PluginFailed = "PLUGIN_FAILED",
  PluginThrew = "PLUGIN_THREW",
  PluginLimit = "PLUGIN_LIMIT",
  PatternTooSlow = "PATTERN_TOO_SLOW",
  PermissionDenied = "PERMISSION_DENIED",
  QuotaExceeded = "QUOTA_EXCEEDED",
  RepoFailed = "REPO_FAILED",
  CatalogueUnavailable = "CATALOGUE_UNAVAILABLE",
  SlackUnavailable = "SLACK_UNAVAILABLE",
}

export class ErrandError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bad configuration: start-up stops with this message and exit code 2. */
export class ConfigError extends ErrandError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.ConfigInvalid, message, options);
  }
}

/** A command was called with the wrong arguments; the message carries the usage line. */
export class UsageError extends ErrandError {
  constructor(message: string) {
    super(ErrorCode.UsageError, message);
  }
}

export class DuplicateCommandError extends ErrandError {
  constructor(message: string) {
    super(ErrorCode.DuplicateCommand, message);
  }
}

export class NotAllowedError extends ErrandError {
  constructor(message: string) {
    super(ErrorCode.NotAllowed, message);
  }
}

/** A command's documentation is missing or malformed (a build-time error for plugin authors). */
export class DocsError extends ErrandError {
  constructor(message: string) {
    super(ErrorCode.DocsInvalid, message);
  }
}

export class StorageLockedError extends ErrandError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.StorageLocked, message, options);
  }
}

export class NotFoundError extends ErrandError {
  constructor(message: string) {
    super(ErrorCode.NotFound, message);
  }
}

/** plugin.json is missing, malformed, or has a bad field (the message names file and field). */
export class ManifestError extends ErrandError {
  constructor(message: string) {
    super(ErrorCode.ManifestInvalid, message);
  }
}

/** The plugin's `errand` range excludes this host (the message names both versions). */
export class IncompatiblePluginError extends ErrandError {
  constructor(message: string) {
    super(ErrorCode.IncompatiblePlugin, message);
  }
}

/** The plugin's code could not be bundled (syntax error, missing import, native module...). */
export class BuildError extends ErrandError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.BuildFailed, message, options);
  }
}

/** A config value was refused by the plugin's schema; the old config stays in force. */
export class PluginConfigError extends ErrandError {
  constructor(message: string) {
    super(ErrorCode.PluginConfigInvalid, message);
  }
}

/** The plugin's own code threw; the message names the plugin. */
export class PluginFailedError extends ErrandError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.PluginFailed, message, options);
  }
}

/** The plugin's own code threw: its message goes to chat, with an id under which the log keeps its stack. */
export class PluginThrewError extends ErrandError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.PluginThrew, message, options);
  }
}

/** The plugin went over a memory, CPU or wall-clock limit and was stopped. */
export class PluginLimitError extends ErrandError {
  constructor(message: string) {
    super(ErrorCode.PluginLimit, message);
  }
}

/** A user's regular expression went over the time or memory limit of a search, so it was stopped. */
export class PatternTooSlowError extends ErrandError {
  constructor(message: string) {
    super(ErrorCode.PatternTooSlow, message);
  }
}

/** The plugin asked for something its approved permissions do not allow. */
export class PermissionDeniedError extends ErrandError {
  constructor(message: string) {
    super(ErrorCode.PermissionDenied, message);
  }
}

export class QuotaExceededError extends ErrandError {
  constructor(message: string) {
    super(ErrorCode.QuotaExceeded, message);
  }
}

/** A repos operation failed (clone, ref, not a plugin repo, dependencies...); nothing was changed. */
export class RepoError extends ErrandError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.RepoFailed, message, options);
  }
}

/** No catalogue could be read: search and install-by-name are off, install by URL still works. */
export class CatalogueError extends ErrandError {
  constructor(message: string) {
    super(ErrorCode.CatalogueUnavailable, message);
  }
}

/** The Slack Web API or Socket Mode could not be reached; the message names the URL to check. */
export class SlackUnavailableError extends ErrandError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.SlackUnavailable, message, options);
  }
}

export function isErrandError(err: unknown): err is ErrandError {
  return err instanceof ErrandError;
}
