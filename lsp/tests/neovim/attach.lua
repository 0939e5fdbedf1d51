-- Neovim (headless) attached to stiglint-lsp: wait for the diagnostics of the buffer, apply
-- the preferred quick fix on the first CAT I finding, and write what happened as JSON.
-- Inputs (environment): STIGLINT_LSP (the server), STIGLINT_ROOT, STIGLINT_FILE, STIGLINT_OUT.
local server = os.getenv("STIGLINT_LSP")
local root = os.getenv("STIGLINT_ROOT")
local file = os.getenv("STIGLINT_FILE")
local out = os.getenv("STIGLINT_OUT")

vim.cmd("edit " .. vim.fn.fnameescape(file))
local client = vim.lsp.start_client({ name = "stiglint", cmd = { server }, root_dir = root })
vim.lsp.buf_attach_client(0, client)

local ok = vim.wait(30000, function()
  return #vim.diagnostic.get(0) > 0
end, 50)

local result = { attached = client ~= nil, got_diagnostics = ok, diagnostics = {}, applied = false }
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(result.diagnostics, { lnum = d.lnum, col = d.col, code = d.code, severity = d.severity, message = d.message })
end

-- The quick fix for the first error (CAT I).
local target
for _, d in ipairs(vim.diagnostic.get(0, { severity = vim.diagnostic.severity.ERROR })) do
  target = target or d
end
if target then
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(0) },
    range = { start = { line = target.lnum, character = target.col }, ["end"] = { line = target.lnum, character = target.col } },
    context = { diagnostics = {} },
  }
  local answers = vim.lsp.buf_request_sync(0, "textDocument/codeAction", params, 10000) or {}
  for _, answer in pairs(answers) do
    for _, action in ipairs(answer.result or {}) do
      if action.isPreferred and not result.applied then
        vim.lsp.util.apply_workspace_edit(action.edit, "utf-16")
        result.applied = true
        result.fix = action.title
      end
    end
  end
end
result.lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)

local f = io.open(out, "w")
f:write(vim.fn.json_encode(result))
f:close()
vim.cmd("qa!")
