// The engine process's whole program: everything it does lives in Parallax.dll, so the host stays
// one tiny file that never changes with the runtime it carries.
return Parallax.Engines.Host.EngineHost.Run(args);
