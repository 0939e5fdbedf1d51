//! `stiglint-lsp`: the language server lands with its own issue; until then this binary says so.

fn main() -> std::process::ExitCode {
    eprintln!("stiglint-lsp: the language server is not built yet (see the language-server issue)");
    std::process::ExitCode::from(2)
}
