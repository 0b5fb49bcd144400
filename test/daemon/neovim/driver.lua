-- Drives a headless Neovim (0.7+) as a real LSP client of `doublon lsp`: opens a page, waits for Doublon's
-- diagnostics, applies the "Use canonical" code action and writes the file, asks for a hover, opens a second
-- page, then stops the client (shutdown + exit) and quits. Every step is recorded as one JSON line in
-- $DOUBLON_OUT; the mocha test (lsp-neovim.test.ts) asserts on them and on the files. Environment:
-- DOUBLON_NODE, DOUBLON_BIN (the CLI), DOUBLON_ROOT (the site), DOUBLON_PAGE, DOUBLON_PAGE2, DOUBLON_OUT.
local env = function(name) return assert(os.getenv(name), name .. ' is not set') end
local out = env('DOUBLON_OUT')
local root = env('DOUBLON_ROOT')

local function record(event)
  event.t_ms = vim.loop.hrtime() / 1e6
  local f = assert(io.open(out, 'a'))
  f:write(vim.fn.json_encode(event) .. '\n')
  f:close()
end

local diagnostics = {} -- uri -> count of the last publication
local function on_diagnostics(err, result, ctx, config)
  vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
  diagnostics[result.uri] = #result.diagnostics
  record({ event = 'diagnostics', uri = result.uri, count = #result.diagnostics })
end

local function on_progress(err, result, ctx)
  record({ event = 'progress', token = result.token, kind = result.value and result.value.kind, message = result.value and result.value.message })
  return vim.lsp.handlers['$/progress'](err, result, ctx)
end

local exited = false
local client_id = vim.lsp.start_client({
  name = 'doublon',
  cmd = { env('DOUBLON_NODE'), env('DOUBLON_BIN'), 'lsp' },
  root_dir = root,
  handlers = { ['textDocument/publishDiagnostics'] = on_diagnostics, ['$/progress'] = on_progress },
  on_init = function(client, result) record({ event = 'initialized', server = result.serverInfo and result.serverInfo.name }) end,
  on_exit = function(code, signal) exited = true; record({ event = 'exit', code = code, signal = signal }) end,
})
assert(client_id, 'the client did not start')

local function uri_of(path) return vim.uri_from_fname(path) end

local function open_and_wait(path)
  local started = vim.loop.hrtime()
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  vim.lsp.buf_attach_client(0, client_id)
  local uri = uri_of(path)
  local ok = vim.wait(90000, function() return (diagnostics[uri] or 0) > 0 end, 20)
  record({ event = 'opened', uri = uri, ok = ok, open_to_diagnostics_ms = (vim.loop.hrtime() - started) / 1e6, count = diagnostics[uri] or 0 })
  return ok
end

local function main()
  local page = env('DOUBLON_PAGE')
  if not open_and_wait(page) then error('no diagnostics for ' .. page) end

  -- The first diagnostic of the page: its range is the reference's path text.
  local first = vim.diagnostic.get(0)[1]
  vim.api.nvim_win_set_cursor(0, { first.lnum + 1, first.col })
  local params = vim.lsp.util.make_range_params()
  params.context = { diagnostics = {} }
  local responses = vim.lsp.buf_request_sync(0, 'textDocument/codeAction', params, 20000) or {}
  local applied = nil
  for _, response in pairs(responses) do
    for _, action in ipairs(response.result or {}) do
      if action.isPreferred and action.edit then
        vim.lsp.util.apply_workspace_edit(action.edit, 'utf-16')
        applied = action.title
        break
      end
    end
  end
  vim.cmd('write')
  record({ event = 'codeAction', title = applied, line = first.lnum, message = first.message })

  -- Hover on another reference still pointing at a copy, if any; else on the canonical just written.
  local next = vim.diagnostic.get(0)[1] or first
  vim.api.nvim_win_set_cursor(0, { next.lnum + 1, next.col + 1 })
  local hovers = vim.lsp.buf_request_sync(0, 'textDocument/hover', vim.lsp.util.make_position_params(), 20000) or {}
  for _, response in pairs(hovers) do
    local contents = response.result and response.result.contents
    record({ event = 'hover', kind = contents and contents.kind, length = contents and #contents.value or 0, images = contents and select(2, contents.value:gsub('data:image/', '')) or 0, first_line = contents and vim.split(contents.value, '\n')[1] })
  end

  -- A second page, the daemon warm.
  open_and_wait(env('DOUBLON_PAGE2'))

  vim.lsp.stop_client(client_id)
  vim.wait(20000, function() return exited end, 20)
end

vim.api.nvim_create_autocmd('VimEnter', {
  callback = function()
    vim.schedule(function()
      local ok, err = pcall(main)
      if not ok then record({ event = 'error', message = tostring(err) }) end
      vim.cmd(ok and 'qall!' or 'cquit! 1')
    end)
  end,
})
