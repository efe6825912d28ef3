// `--config FILE`: the engine config (docs/engine-config.md) of every command that opens
// an engine. The core reads it and EngageStores opens the store it names; here only the
// file is read and a problem printed as `engage: FILE: member: message`.
import Engage
import EngageStores

/// The config in the file at `path` (`--config`), or the defaults when there is none.
/// Unreadable: exit 2; a member that cannot be used: exit 1.
func readConfig(_ path: String?) -> EngineConfig {
    guard let path else { return EngineConfig() }
    do throws(EngineConfig.Problem) {
        return try EngineConfig(bytes: readBytes(path, what: "config"))
    } catch {
        Exit.fail("engage: \(path): \(error)")
    }
}

/// An engine opened as `config` describes, with the store it names (memory, SQLite, Redis).
/// `path` is the config file, for the message when it cannot be opened (exit 1).
func openEngine(_ config: EngineConfig, path: String?) -> Engine {
    do throws(EngineConfig.Problem) {
        return try Engine.open(config: config)
    } catch {
        Exit.fail("engage: \(path ?? "config"): \(error)")
    }
}
