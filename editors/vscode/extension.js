// Starts `constc lsp` for .const files and eval cases; everything else is the server's.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace.getConfiguration("constc").get("command");
  client = new LanguageClient(
    "constc",
    "constc",
    { command, args },
    {
      documentSelector: [
        { scheme: "file", language: "constc" },
        { scheme: "file", pattern: "**/evalcases/**/*.jsonl" },
      ],
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.const,*.jsonl,constc.toml,translations.lock.json}"),
      },
    },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
