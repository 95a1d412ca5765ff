// The silo process's whole program: everything it does lives in Parallax.Orleans.dll.
return await Parallax.Engines.Silos.SiloHost.RunAsync(args);
