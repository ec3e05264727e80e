// A 3-qubit GHZ state along a line of qubits (fits berth_manila's coupling map 0-1-2-3-4):
// about half the shots read 000, half 111.
OPENQASM 3.0;
include "stdgates.inc";
qubit[3] q;
bit[3] c;
h q[0];
cx q[0], q[1];
cx q[1], q[2];
c = measure q;
