"""One module per kind of object in the world file; ``tocsin.world.registry`` lists them."""
