# bash completion for pk (processkit). Installed as
# share/bash-completion/completions/pk.

_pk() {
    local cur prev words cword
    _init_completion || return

    local run_options="--timeout --grace --signal --json --max-output --keep --profile
        --sample-every --stats-out --plot --status --no-status --quiet --mechanism
        --memory-max --pids-max --cpu-max --cwd --env --unset --env-clear
        --require-guard --stdin --help"

    if ((cword == 1)); then
        COMPREPLY=($(compgen -W "run doctor --help --version" -- "$cur"))
        return
    fi

    case ${words[1]} in
    doctor)
        COMPREPLY=($(compgen -W "--json --help" -- "$cur"))
        return
        ;;
    run) ;;
    *) return ;;
    esac

    # After PROGRAM (or --), complete PROGRAM's own arguments as files.
    local i
    for ((i = 2; i < cword; i++)); do
        case ${words[i]} in
        --) _command_offset $((i + 1)); return ;;
        --timeout | --grace | --signal | --max-output | --keep | --sample-every | \
            --stats-out | --plot | --mechanism | --memory-max | --pids-max | \
            --cpu-max | --cwd | --env | --unset | --stdin)
            ((i++)) ;; # the option's value
        -*) ;;
        *) _command_offset $i; return ;;
        esac
    done

    case $prev in
    --keep) COMPREPLY=($(compgen -W "head tail" -- "$cur")); return ;;
    --mechanism) COMPREPLY=($(compgen -W "auto cgroup pgroup" -- "$cur")); return ;;
    --signal) COMPREPLY=($(compgen -W "TERM INT HUP KILL QUIT USR1 USR2" -- "$cur")); return ;;
    --max-output) COMPREPLY=($(compgen -W "unlimited" -- "$cur")); return ;;
    --cwd) _filedir -d; return ;;
    --stats-out | --plot | --stdin) _filedir; return ;;
    --unset) COMPREPLY=($(compgen -v -- "$cur")); return ;;
    --timeout | --grace | --sample-every | --memory-max | --pids-max | --cpu-max | --env)
        return ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$run_options" -- "$cur"))
    else
        COMPREPLY=($(compgen -c -- "$cur"))
    fi
}
complete -F _pk pk
