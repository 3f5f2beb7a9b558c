"""Tokenize FineWeb-Edu (or your own text files) into GPT-2 token shards for `pealm.shards.ShardLoader`.

    python scripts/fineweb.py                        # FineWeb-Edu sample-10BT from the Hugging Face hub (~10B tokens, ~20 GB)
    python scripts/fineweb.py --max-shards 2         # a small run: the validation shard and one training shard
    python scripts/fineweb.py --local texts/ --out data/mine --prefix mine   # parquet, jsonl/json or txt files

Each document becomes <|endoftext|> followed by its GPT-2 tokens. The tokens fill files of exactly --shard-size
uint16 ids (the last one is shorter): shard 0 is validation (`{prefix}_val_000000.npy`), the rest are training
(`{prefix}_train_000001.npy`, ...). A stopped run resumes: after each full shard `progress.json` records where the
next one starts, and the same command skips the finished shards without tokenizing them again. The record names
the input (each --local file's size, modification time and a hash of its start) and the tokenizer, so a changed
input is refused rather than continued; --restart removes the earlier run's shards and starts over.
nbs/18_shards.ipynb explains the format; a mistake prints one line and exits 2.
"""
import argparse, hashlib, json, multiprocessing as mp, os, signal, socket, sys, tempfile, urllib.parse, urllib.request
from pathlib import Path
import numpy as np

FINEWEB = ("HuggingFaceFW/fineweb-edu", "sample-10BT") # (dataset, config) on the Hugging Face hub
ENCODING = "gpt2"                                      # the tiktoken encoding; progress.json records it
EOT = 50256                                            # GPT-2's <|endoftext|>: starts every document
BUILDERS = {".parquet": "parquet", ".jsonl": "json", ".json": "json", ".txt": "text"} # suffix -> datasets builder
CHUNKSIZE = 16                                         # documents sent to a worker at a time
HEAD_BYTES = 1 << 16                                   # the start of each --local file that is hashed to know it again

class UsageError(Exception):
    "A user mistake: printed as one line, exit status 2."

class _Parser(argparse.ArgumentParser):
    def error(self, message): raise UsageError(message) # one line, not argparse's usage + message

def _data_files(local) -> tuple[str, list[str]]:
    "The datasets builder and the sorted files of `--local` (a file or a directory)."
    path = Path(local)
    if not path.exists(): raise UsageError(f"no file or directory at --local {local}")
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in BUILDERS) if path.is_dir() else [path]
    if not files: raise UsageError(f"no .parquet, .jsonl, .json or .txt files in --local {local}")
    builders = {BUILDERS.get(p.suffix) for p in files}
    if None in builders: raise UsageError(f"unsupported file type {path.suffix or path.name!r} (use .parquet, .jsonl, .json or .txt)")
    if len(builders) > 1: raise UsageError(f"--local {local} mixes file types ({', '.join(sorted(builders))}); use one kind per run")
    return builders.pop(), [str(p.resolve()) for p in files]

def _open_dataset(local, skip:int):
    "The documents as a streaming `datasets.IterableDataset`, without the first `skip`."
    from datasets import load_dataset
    from huggingface_hub.utils import logging as hub_logging
    if local is None:
        name, config = FINEWEB
        _check_online()
        hub_logging.set_verbosity_error() # no retry warnings: a failure is one line
        try: ds = load_dataset(name, name=config, split="train", streaming=True)
        except Exception as e: # offline, hub down, no such dataset: datasets raises many kinds
            raise UsageError(f"could not open {name} {config} ({type(e).__name__}: {_first_line(e)});"
                             " offline? pass local files with --local PATH") from None
        finally: hub_logging.set_verbosity_warning()
    else:
        builder, files = _data_files(local)
        kw = {"sample_by": "paragraph"} if builder == "text" else {} # a txt file: one document per paragraph
        try: ds = load_dataset(builder, data_files=files, split="train", streaming=True, **kw)
        except StopIteration: raise UsageError(f"--local {local} holds no documents; nothing was written") from None # datasets' json reader, on empty files
        except Exception as e: raise UsageError(f"could not read --local {local} ({type(e).__name__}: {_first_line(e)})") from None
    return ds.skip(skip) if skip else ds

def _check_online():
    "Fail at once when the hub's name doesn't resolve, instead of after half a minute of retries."
    from huggingface_hub import constants
    if constants.HF_HUB_OFFLINE or urllib.request.getproxies(): return # datasets knows; a proxy resolves names itself
    host = urllib.parse.urlparse(constants.ENDPOINT).hostname
    try: socket.getaddrinfo(host, 443)
    except OSError: raise UsageError(f"cannot reach {host} (offline?); pass local files with --local PATH") from None

def _texts(ds, errors:list, first:int=0):
    "The text of each document; an exception ends the stream and goes into `errors` (the Pool's feeder thread can't raise)."
    try:
        for i, row in enumerate(ds, start=first):
            if "text" not in row: raise UsageError(f"the data has no 'text' column (it has {', '.join(row)})")
            if not isinstance(row["text"], str):
                raise UsageError(f"document {i:,} (counting from 0) has 'text' {repr(row['text'])[:40]} of type {type(row['text']).__name__}, not a string")
            yield row["text"]
    except Exception as e: errors.append(e)

def _first_line(e): return (str(e).strip().splitlines() or [""])[0][:200]

_enc = None
def _load_encoding():
    global _enc
    if _enc is None:
        import tiktoken
        _enc = tiktoken.get_encoding(ENCODING)

def _init_worker():
    signal.signal(signal.SIGINT, signal.SIG_IGN) # Ctrl-C stops the main process, which ends the workers
    _load_encoding()

def _tokenize(text:str) -> np.ndarray:
    "<|endoftext|> then the document's GPT-2 tokens, as uint16."
    ids = np.array([EOT] + _enc.encode_ordinary(text), dtype=np.uint32)
    assert ids.max() < 2**16, "GPT-2 token ids fit in 16 bits"
    return ids.astype(np.uint16)

def shard_name(prefix:str, i:int) -> str:
    "Shard 0 is validation, the rest training."
    return f"{prefix}_{'val' if i == 0 else 'train'}_{i:06d}.npy"

def _write_json(path:Path, obj):
    "Write `obj` as JSON with pealm's one atomic writer (lesson 10)."
    from pealm.data import write_atomic # imported late, as write_shard is
    data = json.dumps(obj, indent=1).encode()
    write_atomic(path, lambda f: f.write(data))

def _input_identity(local) -> str|list:
    "What tells this input from another: the hub's dataset, or each --local file's name, size, mtime and a hash of its start."
    if local is None: return f"{FINEWEB[0]}:{FINEWEB[1]}"
    root, files = Path(local).resolve(), [Path(f) for f in _data_files(local)[1]]
    identity = []
    for f in files:
        st = f.stat()
        with open(f, "rb") as fh: head = hashlib.sha256(fh.read(HEAD_BYTES)).hexdigest()
        identity.append({"file": f.relative_to(root).as_posix() if root.is_dir() else f.name,
                         "size": st.st_size, "mtime_ns": st.st_mtime_ns, "head_sha256": head})
    return identity

def _changed(old, new) -> str:
    "How input identity `new` differs from `old`, in a few words."
    if not isinstance(old, list) or not isinstance(new, list) or len(old) != len(new): return "another set of files"
    for a, b in zip(old, new):
        if not isinstance(a, dict) or a.get("file") != b["file"]: return f"{b['file']} is new"
        for key, what in (("size", "its size"), ("head_sha256", "its first bytes"), ("mtime_ns", "its modification time")):
            if a.get(key) != b[key]: return f"{b['file']} changed: {what}"
    return "it changed"

COUNTERS = ("shards_done", "doc_index", "token_offset") # where the next shard starts

def _read_progress(path:Path) -> dict:
    "progress.json as this script writes it; one line on anything else."
    try: progress = json.loads(path.read_bytes())
    except (ValueError, RecursionError): raise UsageError(f"{path} is not valid JSON; delete it (and the shards) to start over") from None
    bad = next((k for k in COUNTERS if not isinstance(progress, dict) or type(progress.get(k)) is not int or progress[k] < 0), None)
    if bad is None and progress.get("complete") and type(progress.get("n_shards")) is not int: bad = "n_shards"
    if bad: raise UsageError(f"{path} is not a progress file fineweb.py wrote (no whole number {bad!r}); delete it (and the shards) to start over")
    return progress

def _load_progress(out:Path, prefix:str, run:dict):
    "The progress of an earlier run with the same arguments and input, or None for a fresh start."
    path = out/"progress.json"
    if not path.exists():
        if any(out.glob(f"{prefix}_*.npy")):
            raise UsageError(f"{out} has {prefix} shards but no progress.json; delete them or pick another --out")
        return None
    progress = _read_progress(path)
    for key in ("source", "shard_size", "prefix"):
        if progress.get(key) != run[key]:
            raise UsageError(f"{path} was written with {key} {progress.get(key)!r}, not {run[key]!r};"
                             " rerun with the same arguments, or use another --out")
    if progress.get("tokenizer") != run["tokenizer"] or progress.get("input") != run["input"]:
        why = ("an older fineweb.py, which did not record it" if "input" not in progress else
               f"tokenizer {progress.get('tokenizer')!r}" if progress.get("tokenizer") != run["tokenizer"] else
               _changed(progress["input"], run["input"]))
        raise UsageError(f"{path} was written for another input ({why}); rerun with --restart to start over, or use another --out")
    missing = next((shard_name(prefix, i) for i in range(progress["shards_done"]) if not (out/shard_name(prefix, i)).is_file()), None)
    if missing: raise UsageError(f"{path} says shard {missing} is done but it is missing; delete progress.json to start over")
    return progress

def _restart(out:Path):
    "Remove an earlier run's progress.json and the shards it recorded; nothing else in `out`."
    path = out/"progress.json"
    if not path.exists(): return
    progress = _read_progress(path)
    prefix = progress.get("prefix")
    if not isinstance(prefix, str) or not prefix or Path(prefix).name != prefix: # a name, never a path out of `out`
        raise UsageError(f"{path} is not a progress file fineweb.py wrote (no prefix); delete it (and the shards) to start over")
    n = max(progress["shards_done"], progress["n_shards"] if type(progress.get("n_shards")) is int else 0)
    for shard in out.glob(f"{prefix}_*.npy"): # the names this script gave the shards it recorded, and no others
        i = shard.stem.rpartition("_")[2]
        if i.isdigit() and int(i) < n and shard.name == shard_name(prefix, int(i)): shard.unlink()
    path.unlink()

def make_shards(local, out, prefix:str, shard_size:int, max_shards:int|None, workers:int, restart:bool=False) -> int:
    "Tokenize the documents into shards in `out`, resuming an earlier run on the same input; returns the number of shards."
    if local is not None: _data_files(local) # check the path before anything else
    source = f"{FINEWEB[0]}:{FINEWEB[1]}" if local is None else f"local:{Path(local).resolve()}"
    out = Path(out)
    if out.exists() and not out.is_dir(): raise UsageError(f"--out {out} is a file, not a directory")
    if restart: _restart(out)
    run = {"source": source, "shard_size": shard_size, "prefix": prefix, "tokenizer": f"tiktoken:{ENCODING}", "input": _input_identity(local)}
    progress = _load_progress(out, prefix, run) or {**run, "shards_done": 0, "doc_index": 0, "token_offset": 0}
    for tmp in [*out.glob(f".{prefix}_*.tmp"), *out.glob(".progress.json.*.tmp")]: tmp.unlink() # left by a killed run
    n_shards = progress["shards_done"]
    if progress.get("complete") or (max_shards and n_shards >= max_shards):
        return progress.get("n_shards", n_shards) # nothing left to do
    try: _load_encoding() # here first: a failure is one clear error, not a crash in every worker
    except Exception as e:
        raise UsageError(f"could not load the GPT-2 tokenizer ({_first_line(e)}); offline? set TIKTOKEN_CACHE_DIR to a tiktoken cache") from None
    doc_index, drop = progress["doc_index"], progress["token_offset"]
    buf, fill = np.empty(shard_size, dtype=np.uint16), 0
    errors, stopped = [], False
    ds = _open_dataset(local, skip=doc_index)
    from tqdm import tqdm
    from pealm.shards import write_shard # imported late: torch takes seconds, and a mistake should fail fast
    bar = tqdm(total=max_shards * shard_size if max_shards else None, initial=n_shards * shard_size,
               unit="tok", unit_scale=True, desc=f"shard {n_shards}")
    try:
        with mp.Pool(workers, initializer=_init_worker) as pool:
            for tokens in pool.imap(_tokenize, _texts(ds, errors, first=doc_index), chunksize=CHUNKSIZE):
                i, drop = drop, 0 # tokens [0, i) of this document went into the last shard written
                bar.update(len(tokens) - i)
                while i < len(tokens):
                    take = min(shard_size - fill, len(tokens) - i)
                    buf[fill:fill+take] = tokens[i:i+take]
                    fill, i = fill + take, i + take
                    if fill == shard_size: # a full shard: write it, then record where the next one starts
                        write_shard(out/shard_name(prefix, n_shards), buf)
                        n_shards, fill = n_shards + 1, 0
                        next_doc, offset = (doc_index, i) if i < len(tokens) else (doc_index + 1, 0)
                        progress.update(shards_done=n_shards, doc_index=next_doc, token_offset=offset)
                        _write_json(out/"progress.json", progress)
                        bar.set_description(f"shard {n_shards}")
                        if max_shards and n_shards >= max_shards: stopped = True; break
                if stopped: break
                doc_index += 1
    finally:
        if errors or sys.exc_info()[0]: bar.leave = False # the error is the one line to see
        bar.close()
    if errors: # the stream broke: keep the finished shards, don't write a partial one
        e = errors[0]
        msg = str(e) if isinstance(e, UsageError) else f"reading the data failed ({type(e).__name__}: {_first_line(e)})"
        raise UsageError(msg + (f"; {n_shards} full shards are kept: the same command resumes after them" if n_shards else ""))
    if not stopped: # the data ended: the last, partial shard
        if fill: write_shard(out/shard_name(prefix, n_shards), buf[:fill]); n_shards += 1
        if n_shards == 0: raise UsageError(f"{'--local ' + str(local) if local else 'the data'} holds no documents; nothing was written")
        progress.update(complete=True, n_shards=n_shards)
        _write_json(out/"progress.json", progress)
    return n_shards

def main(argv=None) -> int:
    p = _Parser(prog="fineweb.py", description="Tokenize FineWeb-Edu (or local text files) into uint16 GPT-2 token shards.",
                epilog="Shard 0 is PREFIX_val_000000.npy, the rest PREFIX_train_000001.npy, ...; rerun a stopped command to resume it.")
    p.add_argument("--local", metavar="PATH", help="a .parquet, .jsonl, .json or .txt file, or a directory of them"
                   " (default: FineWeb-Edu sample-10BT from the hub; needs the internet)")
    p.add_argument("--out", default="data/fineweb_edu", metavar="DIR", help="where the shards go (default: data/fineweb_edu)")
    p.add_argument("--prefix", default="fineweb_edu", help="shard file names start with this (default: fineweb_edu)")
    p.add_argument("--shard-size", type=int, default=100_000_000, metavar="N", help="tokens per shard (default: 100_000_000)")
    p.add_argument("--max-shards", type=int, metavar="N", help="stop after N shards (default: all the data)")
    p.add_argument("--workers", type=int, default=os.cpu_count(), metavar="N", help="tokenizer processes (default: all cores)")
    p.add_argument("--restart", action="store_true", help="remove the shards and progress.json of an earlier run in --out and start over")
    try:
        args = p.parse_args(argv)
        for flag, value in (("--shard-size", args.shard_size), ("--max-shards", args.max_shards), ("--workers", args.workers)):
            if value is not None and value < 1: raise UsageError(f"{flag} must be >= 1, got {value}")
        n = make_shards(args.local, args.out, args.prefix, args.shard_size, args.max_shards, args.workers, args.restart)
    except UsageError as e:
        print(f"fineweb.py: {e}", file=sys.stderr)
        return 2
    except OSError as e: # a full disk, no permission to write --out
        print(f"fineweb.py: {e.strerror or e}{': ' + str(e.filename) if e.filename else ''}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fineweb.py: interrupted; the same command resumes from the last full shard", file=sys.stderr)
        return 130
    print(f"fineweb.py: {n} shards in {args.out}")
    return 0

if __name__ == "__main__": sys.exit(main())
