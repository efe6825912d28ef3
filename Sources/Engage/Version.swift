/// The version of libengage this core belongs to: the file `VERSION`, written here by
/// `scripts/set-version.sh` (and checked against the header, the C library, engage.pc and
/// the bindings by `scripts/test-install.sh`). What a tool prints for `--version`.
public enum EngageVersion {
    /// `MAJOR.MINOR.PATCH`.
    public static let string = "0.1.0"
}
