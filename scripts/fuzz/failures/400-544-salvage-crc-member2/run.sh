#!/bin/sh
# motcua vs reference on this case
cd "$(dirname "$0")"
${MOTCUA:-motcua} run pipeline.yaml --quiet --out out-engine --threads 2 
python3 ../../reference.py case.json --out out-ref
diff out-ref/counters.csv out-engine/counters.csv
