'use strict';
// Compiles data/evm/FreezewatchTestToken.sol offline with npm solc (the
// compiler is bundled as soljson.js; nothing is downloaded) and gives the
// bytecode and function selectors the EVM test needs.

const fs = require('node:fs');
const path = require('node:path');

const SOURCE = path.join(__dirname, '..', 'data', 'evm', 'FreezewatchTestToken.sol');

function compileToken() {
  const solc = require('solc');
  const input = {
    language: 'Solidity',
    sources: { 'FreezewatchTestToken.sol': { content: fs.readFileSync(SOURCE, 'utf8') } },
    settings: {
      evmVersion: 'shanghai',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.methodIdentifiers'] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error('solc: ' + errors.map((e) => e.formattedMessage).join('\n'));
  const c = out.contracts['FreezewatchTestToken.sol'].FreezewatchTestToken;
  const selector = (sig) => '0x' + c.evm.methodIdentifiers[sig];
  return {
    abi: c.abi,
    bytecode: c.evm.bytecode.object,
    transfer: selector('transfer(address,uint256)'),
    transferTwice: selector('transferTwice(address,uint256)'),
  };
}

module.exports = { compileToken };
